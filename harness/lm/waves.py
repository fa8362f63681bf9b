"""Plan and run the GPU scorer's waves: length-sorted fresh rows, or streams that carry each dialogue's prefix.

Sorted: requests longest first, as many rows per pass as the token budget allows; nothing is
carried (a sliding window shares little beyond the instruction). Streams (streams.py): when
consecutive contexts share most of their tokens (full-history prompts), one dialogue per row,
its history computed once.
"""

from __future__ import annotations

from typing import Any, Sequence

from harness.lm.batched import Wave, run_wave
from harness.lm.pack import common_prefix
from harness.lm.stats import ScoreStats
from harness.lm.streams import cache_cap, chains, group_chains, groups_cost, score_streams
from harness.lm.tokens import EncodedRequest

#: Tokens per pass on a GPU at most; below it the budget follows free memory.
GPU_TOKEN_BUDGET = 32768
#: Carry prefixes when they hold at least this share of all context tokens.
CARRY_SHARE = 0.5


def shared_lengths(encoded: Sequence[EncodedRequest]) -> list[int]:
    """Tokens each context shares with the one before it (the last token is always fed)."""
    shared: list[int] = []
    previous: tuple[int, ...] = ()
    for request in encoded:
        shared.append(min(common_prefix(previous, request.context), len(request.context) - 1))
        previous = request.context
    return shared


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


def sorted_cost(encoded: Sequence[EncodedRequest], waves: Sequence[Sequence[int]]) -> int:
    return sum(len(wave) * len(encoded[wave[0]].context) for wave in waves)


def score_batched(model: Any, encoded: Sequence[EncodedRequest], *, max_tokens: int | None = None,
                  max_rows: int | None = None, reuse_prefix: bool = True,
                  stats: ScoreStats | None = None) -> list[dict[str, float]]:
    """Score encoded requests in waves (see the module docstring); same order as given."""
    if not encoded:
        return []
    longest = max(len(r.context) for r in encoded)
    budget = max_tokens or token_budget(model, longest)
    shared = shared_lengths(encoded)
    total = sum(len(r.context) for r in encoded)
    waves = sorted_waves(encoded, budget, max_rows or len(encoded))
    if reuse_prefix and sum(shared) >= CARRY_SHARE * total:
        groups = group_chains(encoded, chains(encoded, shared), budget, cache_cap(model, max_tokens),
                              max_rows or len(encoded))
        # Streams pad every wave to its longest new segment: take them only when that still feeds less.
        if groups_cost(encoded, shared, groups) < sorted_cost(encoded, waves):
            return score_streams(model, encoded, shared, groups, stats)
    results: list[dict[str, float]] = [{} for _ in encoded]
    for members in waves:
        scores, _, _ = run_wave(model, Wave([encoded[i] for i in members], [0] * len(members)), stats)
        for index, score in zip(members, scores):
            results[index] = score
    return results
