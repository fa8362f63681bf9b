"""Plan and run the GPU scorer's waves: length-sorted fresh rows, or streams that carry each row's prefix.

Sorted: requests longest first, as many rows per pass as the token budget allows; nothing is
carried (a sliding window shares little beyond the instruction). Streams: when consecutive
contexts share most of their tokens (full-history prompts), the requests are cut into contiguous
streams, one per row; each wave feeds every stream's next request after the keys/values its
previous context left, cut to the shared prefix, so a dialogue's history is computed once.
"""

from __future__ import annotations

from typing import Any, Sequence

from harness.sdk.lm.batched import Wave, map_cache, run_wave
from harness.sdk.lm.pack import common_prefix
from harness.sdk.lm.stats import ScoreStats
from harness.sdk.lm.tokens import EncodedRequest

#: Tokens per pass on a GPU at most; below it the budget follows free memory.
GPU_TOKEN_BUDGET = 32768
#: Streams: at least this many requests per stream, so each stream's first full context is amortised.
MIN_STREAM_LENGTH = 16
#: Carry prefixes when they hold at least this share of all context tokens.
CARRY_SHARE = 0.5


def shared_lengths(encoded: Sequence[EncodedRequest]) -> list[int]:
    """Tokens each context shares with the one before it (the last token is always fed)."""
    shared, previous = [], ()
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


def reshape_cache(cache: Any, keep_rows: Any, columns: Any) -> Any:
    """Keep some rows of a cache and, per row, the given key columns (rows x new width), in place."""
    import torch

    def change(tensor: Any) -> Any:
        where = columns.to(tensor.device)[:, None, :, None]
        where = where.expand(len(keep_rows), tensor.shape[1], columns.shape[1], tensor.shape[3])
        return torch.gather(tensor.index_select(0, keep_rows.to(tensor.device)), 2, where)

    return map_cache(cache, change)


def carried_columns(on_path: Any, keep_rows: Sequence[int], prefixes: Sequence[int]) -> tuple[Any, int]:
    """For each kept row, the cache columns of the first `prefix` keys on its path, right-aligned."""
    import torch

    width = max(prefixes) if prefixes else 0
    columns = torch.zeros((len(keep_rows), width), dtype=torch.long)
    for out, (row, prefix) in enumerate(zip(keep_rows, prefixes)):
        path = torch.nonzero(on_path[row]).flatten()[:prefix]
        columns[out, width - prefix :] = path
    return columns, width


def score_streams(model: Any, encoded: Sequence[EncodedRequest], shared: Sequence[int], rows: int,
                  stats: ScoreStats | None) -> list[dict[str, float]]:
    """Contiguous streams, one per row; wave t scores every stream's t-th request."""
    import torch

    bounds = [len(encoded) * s // rows for s in range(rows + 1)]
    streams = [list(range(bounds[s], bounds[s + 1])) for s in range(rows) if bounds[s + 1] > bounds[s]]
    results: list[dict[str, float]] = [{} for _ in encoded]
    live, cached, cache, width = list(range(len(streams))), [0] * len(streams), None, 0
    for step in range(max(map(len, streams))):
        members = [streams[s][step] for s in live]
        wave = Wave([encoded[i] for i in members], cached, cache, width)
        scores, cache, on_path = run_wave(model, wave, stats, keep_cache=True)
        for index, score in zip(members, scores):
            results[index] = score
        keep = [row for row, s in enumerate(live) if step + 1 < len(streams[s])]
        live = [live[row] for row in keep]
        cached = [shared[streams[s][step + 1]] for s in live]
        if not live:
            break
        columns, width = carried_columns(on_path, keep, cached)
        cache = reshape_cache(cache, torch.tensor(keep), columns) if width else None
    return results


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
    if reuse_prefix and sum(shared) >= CARRY_SHARE * total:
        new_per_request = max(1, (total - sum(shared)) // len(encoded))
        rows = max(1, min(max_rows or budget // new_per_request, -(-len(encoded) // MIN_STREAM_LENGTH)))
        if max_rows:
            rows = min(max_rows, len(encoded))
        return score_streams(model, encoded, shared, rows, stats)
    results: list[dict[str, float]] = [{} for _ in encoded]
    for members in sorted_waves(encoded, budget, max_rows or len(encoded)):
        scores, _, _ = run_wave(model, Wave([encoded[i] for i in members], [0] * len(members)), stats)
        for index, score in zip(members, scores):
            results[index] = score
    return results
