"""GPU streams: each dialogue's prompts in one row, its keys/values carried from one utterance to the next.

A chain is a run of consecutive requests whose contexts extend one another (one dialogue's
full-history prompts). Chains of similar length (requests, then tokens) share a group of rows;
wave t of a group feeds every live chain's t-th request: only its new tokens, after the cache its
previous context left, cut per row to the shared prefix. A dialogue's history is computed once,
and rows pad little because their histories and new segments have similar lengths.
"""

from __future__ import annotations

from typing import Any, Sequence

from harness.sdk.lm.batched import Wave, map_cache, run_wave
from harness.sdk.lm.pack import common_prefix
from harness.sdk.lm.stats import ScoreStats
from harness.sdk.lm.tokens import EncodedRequest

#: A request continues its predecessor's chain when it shares this many tokens more than every context does.
CHAIN_MARGIN = 8


def chains(encoded: Sequence[EncodedRequest], shared: Sequence[int]) -> list[list[int]]:
    """Request indices cut into chains: a request continues its predecessor's chain when it shares
    more than the prefix common to all contexts (the instruction) with it: its dialogue's history."""
    first = encoded[0].context
    base = min(common_prefix(first, request.context) for request in encoded)
    out: list[list[int]] = []
    for index in range(len(encoded)):
        if out and shared[index] > base + CHAIN_MARGIN:
            out[-1].append(index)
        else:
            out.append([index])
    return out


def group_chains(encoded: Sequence[EncodedRequest], runs: Sequence[list[int]], budget: int, cache_cap: int,
                 max_rows: int) -> list[list[list[int]]]:
    """Chains sorted by length (requests, then tokens), grouped so that rows x the longest first
    context fits the pass budget and rows x the longest last context fits the cache cap."""
    def final(run: list[int]) -> int:
        return len(encoded[run[-1]].context)

    order = sorted(runs, key=lambda run: (-len(run), -final(run)))
    groups: list[list[list[int]]] = []
    first = last = 0
    for run in order:
        head, tail = max(first, len(encoded[run[0]].context)), max(last, final(run))
        rows = len(groups[-1]) + 1 if groups else 0
        if groups and rows <= max_rows and rows * head <= budget and rows * tail <= cache_cap:
            groups[-1].append(run)
            first, last = head, tail
        else:
            groups.append([run])
            first, last = len(encoded[run[0]].context), final(run)
    return groups


def groups_cost(encoded: Sequence[EncodedRequest], shared: Sequence[int], groups: Sequence[Sequence[list[int]]]) -> int:
    """Tokens the groups would feed, padding included: per wave, live rows x the longest new segment."""
    cost = 0
    for group in groups:
        for step in range(max(map(len, group))):
            news = [len(encoded[run[step]].context) - (shared[run[step]] if step else 0)
                    for run in group if step < len(run)]
            cost += len(news) * max(news)
    return cost


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


def score_group(model: Any, encoded: Sequence[EncodedRequest], shared: Sequence[int], group: Sequence[list[int]],
                results: list[dict[str, float]], stats: ScoreStats | None) -> None:
    """One chain per row; wave t scores every live chain's t-th request into `results`."""
    import torch

    live, cached, cache, width = list(range(len(group))), [0] * len(group), None, 0
    for step in range(max(map(len, group))):
        members = [group[s][step] for s in live]
        wave = Wave([encoded[i] for i in members], cached, cache, width)
        scores, cache, on_path = run_wave(model, wave, stats, keep_cache=True)
        for index, score in zip(members, scores):
            results[index] = score
        keep = [row for row, s in enumerate(live) if step + 1 < len(group[s])]
        live = [live[row] for row in keep]
        if not live:
            return
        cached = [shared[group[s][step + 1]] for s in live]
        columns, width = carried_columns(on_path, keep, cached)
        cache = reshape_cache(cache, torch.tensor(keep), columns) if width else None


def score_streams(model: Any, encoded: Sequence[EncodedRequest], shared: Sequence[int],
                  groups: Sequence[Sequence[list[int]]], stats: ScoreStats | None) -> list[dict[str, float]]:
    results: list[dict[str, float]] = [{} for _ in encoded]
    for group in groups:
        score_group(model, encoded, shared, group, results, stats)
    return results


def cache_cap(model: Any, max_tokens: int | None) -> int:
    """Cached tokens a group may hold: `max_tokens` when given; on a GPU a quarter of free memory
    over one token's keys/values in every layer; on a CPU 16384."""
    import torch

    if max_tokens:
        return max_tokens
    parameter = next(model.parameters())
    if parameter.device.type != "cuda":
        return 16384
    free, _ = torch.cuda.mem_get_info(parameter.device)
    config = model.config
    heads = config.num_attention_heads
    kv = 2 * config.num_hidden_layers * getattr(config, "num_key_value_heads", heads) * (config.hidden_size // heads)
    return int(max(4096, free // 4 // (kv * parameter.element_size())))
