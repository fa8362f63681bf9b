"""Plan and run the GPU scorer's waves: the common head once, then chains that carry each dialogue's prefix.

Every context's common head (the instruction) runs once; each request's prefix shared with the
previous prompt of its dialogue is carried in its row's cache (streams.py). Of the two plans, chains
or every request on its own, the one feeding fewer tokens (padding included) runs, with its waves
cut into as few passes as keep the padding within FED_LIMIT. Without prefix reuse, fresh
length-sorted rows take the fused causal kernel.
"""

from __future__ import annotations

from typing import Any, Sequence

from harness.lm import streams
from harness.lm.batched import Wave, run_wave
from harness.lm.pack import common_prefix
from harness.lm.stats import ScoreStats
from harness.lm.streams import cache_cap, chains, group_chains, groups_cost, score_streams
from harness.lm.tokens import EncodedRequest

#: Tokens per pass on a GPU at most; below it the budget follows free memory.
GPU_TOKEN_BUDGET = 32768
#: Compute the head every context starts with (the instruction) once when it has at least this many tokens.
MIN_HEAD = 8
#: Tokens fed, padding included, at most this times the token tree's contexts (each shared prefix once,
#: what the packed path feeds), where halving the cost of a pass down to MIN_PASS_TOKENS can get there.
FED_LIMIT = 1.08
MIN_PASS_TOKENS = 16


def shared_lengths(encoded: Sequence[EncodedRequest]) -> list[int]:
    """Tokens each context shares with the one before it (the last token is always fed)."""
    shared: list[int] = []
    previous: tuple[int, ...] = ()
    for request in encoded:
        shared.append(min(common_prefix(previous, request.context), len(request.context) - 1))
        previous = request.context
    return shared


def common_head(encoded: Sequence[EncodedRequest]) -> int:
    """Tokens every context starts with (the instruction), leaving each context at least one to feed."""
    first = encoded[0].context
    return min(min(common_prefix(first, request.context), len(request.context) - 1) for request in encoded)


def token_budget(model: Any, longest: int) -> int:
    """Tokens per pass: on a GPU, a quarter of free memory over one token's cost (activations,
    its keys/values in every layer, its row of the boolean mask); on a CPU a fixed 4096."""
    import torch

    parameter = next(model.parameters())
    if parameter.device.type != "cuda":
        return 4096
    free, _ = torch.cuda.mem_get_info(parameter.device)
    config = model.config
    width, layers, hidden = parameter.element_size(), config.num_hidden_layers, config.hidden_size
    heads = config.num_attention_heads
    kv = 2 * layers * getattr(config, "num_key_value_heads", heads) * (hidden // heads)
    per_token = width * (8 * hidden + 3 * getattr(config, "intermediate_size", 4 * hidden) + kv) + longest
    return int(max(256, min(GPU_TOKEN_BUDGET, free // 4 // per_token)))


def sorted_waves(encoded: Sequence[EncodedRequest], budget: int, max_rows: int) -> list[list[int]]:
    """Request indices, longest context first, grouped so rows x longest row <= budget."""
    order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i].context))
    waves: list[list[int]] = []
    for index in order:
        if waves and len(waves[-1]) < max_rows and (len(waves[-1]) + 1) * len(encoded[waves[-1][0]].context) <= budget:
            waves[-1].append(index)
        else:
            waves.append([index])
    return waves


def score_batched(model: Any, encoded: Sequence[EncodedRequest], *, max_tokens: int | None = None,
                  max_rows: int | None = None, reuse_prefix: bool = True,
                  stats: ScoreStats | None = None) -> list[dict[str, float]]:
    """Score encoded requests in waves (see the module docstring); same order as given."""
    if not encoded:
        return []
    longest = max(len(r.context) for r in encoded)
    budget, rows = max_tokens or token_budget(model, longest), max_rows or len(encoded)
    if not reuse_prefix:
        return score_sorted(model, encoded, sorted_waves(encoded, budget, rows), stats)
    shared = shared_lengths(encoded)
    common = common_head(encoded)
    head = common if common >= MIN_HEAD else 0
    cap = cache_cap(model, max_tokens)
    # Chains carry a dialogue's history from row to row; singletons only start from the common head.
    plans = [group_chains(encoded, runs, budget, cap, rows)
             for runs in (chains(encoded, shared, common), [[i] for i in range(len(encoded))])]
    plan, pass_tokens = fitted_plan(encoded, shared, head, plans)
    return score_streams(model, encoded, shared, head, plan, pass_tokens, stats)


def fitted_plan(encoded: Sequence[EncodedRequest], shared: Sequence[int], head: int,
                plans: Sequence[Sequence[Sequence[list[int]]]]) -> tuple[Sequence[Sequence[list[int]]], int]:
    """The plan feeding the fewest tokens, and the cost of a pass it is cut at: the largest, halving
    from PASS_TOKENS, that keeps its tokens fed within FED_LIMIT x the tree's. Few passes keep a GPU
    busy; padding is work that answers nothing."""
    limit = FED_LIMIT * (sum(len(request.context) for request in encoded) - sum(shared))
    pass_tokens = streams.PASS_TOKENS
    while True:
        cost, best = min((groups_cost(encoded, shared, head, groups, pass_tokens), index)
                         for index, groups in enumerate(plans))
        if cost <= limit or pass_tokens <= MIN_PASS_TOKENS:
            return plans[best], pass_tokens
        pass_tokens //= 2


def score_sorted(model: Any, encoded: Sequence[EncodedRequest], waves: Sequence[Sequence[int]],
                 stats: ScoreStats | None) -> list[dict[str, float]]:
    """Fresh rows, nothing carried or shared: the fused causal kernel where the model allows it."""
    results: list[dict[str, float]] = [{} for _ in encoded]
    for members in waves:
        scores, _, _ = run_wave(model, Wave([encoded[i] for i in members], [0] * len(members)), stats)
        for index, score in zip(members, scores):
            results[index] = score
    return results
