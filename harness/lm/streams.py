"""GPU streams: each dialogue's prompts in one row, its keys/values carried from one utterance to the next.

A chain is a run of consecutive requests whose contexts extend one another (one dialogue's
full-history prompts). Chains of similar length (requests, then tokens) share a group of rows;
wave t of a group feeds every live chain's t-th request: only its new tokens, after the cache its
previous context left (a chain's first request: the common head's), cut per row to the shared
prefix. A dialogue's history is computed once; a wave runs as passes of similar new-segment lengths,
so rows pad little.
"""

from __future__ import annotations

import copy
from typing import Any, Sequence

from harness.lm.batched import Wave, forward, map_cache, run_wave
from harness.lm.stats import ScoreStats, path_scores
from harness.lm.tokens import EncodedRequest

#: A request continues its predecessor's chain when it shares this many tokens more than every context does.
CHAIN_MARGIN = 8
#: What one more pass costs at most, in tokens fed: a wave is cut into passes of similar new-segment
#: lengths while that saves more padding than this (waves.fitted_plan halves it while the plan pads too
#: much). On an H200 with a 7B shape (benchmarks/pass_sweep.py, full MELD test) a pass costs about 25 ms
#: beyond its tokens: 1024 ran full history in 8.3 s with 54 passes, the padding bound's 128 in 9.7 s
#: with 109.
PASS_TOKENS = 1024


def chains(encoded: Sequence[EncodedRequest], shared: Sequence[int], head: int) -> list[list[int]]:
    """Request indices cut into chains: a request continues its predecessor's chain when it shares
    more than the head common to all contexts (the instruction) with it: its dialogue's history."""
    out: list[list[int]] = []
    for index in range(len(encoded)):
        if out and shared[index] > head + CHAIN_MARGIN:
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


def groups_cost(encoded: Sequence[EncodedRequest], shared: Sequence[int], head: int,
                groups: Sequence[Sequence[list[int]]], pass_tokens: int) -> int:
    """Tokens the groups would feed, padding included, with waves cut at `pass_tokens` a pass: per
    pass, its rows x its longest new segment (a chain's first request starts after the common head)."""
    cost = head
    for group in groups:
        for step in range(max(map(len, group))):
            news = [len(encoded[run[step]].context) - (shared[run[step]] if step else head)
                    for run in group if step < len(run)]
            cost += sum(len(part) * max(news[row] for row in part) for part in split_rows(news, pass_tokens))
    return cost


def split_rows(news: Sequence[int], pass_tokens: int) -> list[list[int]]:
    """A wave's rows in passes, each padded to its own longest new segment: rows sorted by that
    length and cut where it minimises padded tokens plus `pass_tokens` per pass (dynamic programming
    over the distinct lengths)."""
    order = sorted(range(len(news)), key=lambda row: news[row])
    lengths = [news[row] for row in order]
    ends = [i + 1 for i in range(len(order)) if i + 1 == len(order) or lengths[i + 1] != lengths[i]]
    best: dict[int, tuple[int, int]] = {0: (0, 0)}  # rows taken -> (cost, where the last pass starts)
    for end in ends:
        best[end] = min((best[start][0] + (end - start) * lengths[end - 1] + pass_tokens, start)
                        for start in best)
    cuts, end = [], len(order)
    while end:
        cuts.append((best[end][1], end))
        end = best[end][1]
    return [sorted(order[start:end]) for start, end in reversed(cuts)]


def reshape_cache(cache: Any, keep_rows: Any, columns: Any) -> Any:
    """Keep some rows of a cache and, per row, the given key columns (rows x new width), in place."""
    import torch

    def change(tensor: Any) -> Any:
        where = columns.to(tensor.device)[:, None, :, None]
        where = where.expand(len(keep_rows), tensor.shape[1], columns.shape[1], tensor.shape[3])
        return torch.gather(tensor.index_select(0, keep_rows.to(tensor.device)), 2, where)

    return map_cache(cache, change)


def carried_columns(on_path: Any, keep_rows: Sequence[int], prefixes: Sequence[int], width: int) -> Any:
    """For each kept row, the cache columns of the first `prefix` keys on its path, right-aligned in `width`."""
    import torch

    columns = torch.zeros((len(keep_rows), width), dtype=torch.long)
    for out, (row, prefix) in enumerate(zip(keep_rows, prefixes)):
        path = torch.nonzero(on_path[row]).flatten()[:prefix]
        columns[out, width - prefix :] = path
    return columns


def take_rows(cache: Any, rows: Sequence[int], width: int, keep: int) -> Any:
    """A new cache holding some rows of `cache` and its last `keep` columns (rows are right-aligned);
    the shared cache itself when that is all of it."""
    import torch

    if cache is None or (keep == width and list(rows) == list(range(_rows(cache)))):
        return cache
    part = copy.copy(cache)
    if hasattr(cache, "layers"):
        part.layers = [copy.copy(layer) for layer in cache.layers]
    else:
        part.key_cache, part.value_cache = list(cache.key_cache), list(cache.value_cache)
    return map_cache(part, lambda t: t.index_select(0, torch.tensor(list(rows), device=t.device))[:, :, width - keep :])


def _rows(cache: Any) -> int:
    return (cache.layers[0].keys if hasattr(cache, "layers") else cache.key_cache[0]).shape[0]


def join(parts: Sequence[tuple[Any, Any, list[int]]], prefixes: Sequence[int]) -> tuple[Any, int]:
    """One cache for the next wave: each part's kept rows, cut to their carried prefixes, right-aligned
    in a common width, stacked in the parts' order."""
    import torch

    width, start, pieces = max(prefixes), 0, []
    for cache, on_path, keep in parts:
        if keep:
            columns = carried_columns(on_path, keep, prefixes[start : start + len(keep)], width)
            pieces.append(reshape_cache(cache, torch.tensor(keep), columns))
            start += len(keep)
    first = pieces[0]
    for index in range(len(first.layers) if hasattr(first, "layers") else len(first.key_cache)):
        if hasattr(first, "layers"):
            layers = [piece.layers[index] for piece in pieces]
            layers[0].keys = torch.cat([layer.keys for layer in layers])
            layers[0].values = torch.cat([layer.values for layer in layers])
        else:
            first.key_cache[index] = torch.cat([piece.key_cache[index] for piece in pieces])
            first.value_cache[index] = torch.cat([piece.value_cache[index] for piece in pieces])
    return first, width


def head_cache(model: Any, tokens: Sequence[int], stats: ScoreStats | None) -> Any:
    """Keys/values of the head every context starts with, computed once in one row."""
    import torch

    device = next(model.parameters()).device
    count = len(tokens)
    allowed = torch.ones((1, count, count), dtype=torch.bool).tril()
    _, cache = forward(model, torch.tensor([list(tokens)], device=device), torch.arange(count, device=device)[None],
                       allowed.to(device), None, 1)
    if stats is not None:
        stats.add_pass(count, count, count * count, path_scores(0, count))
    return cache


def broadcast(cache: Any, rows: int) -> Any:
    """A cache whose every row is the one-row `cache` (views: the next pass's concatenation copies)."""
    part = copy.copy(cache)
    if hasattr(cache, "layers"):
        part.layers = [copy.copy(layer) for layer in cache.layers]
    else:
        part.key_cache, part.value_cache = list(cache.key_cache), list(cache.value_cache)
    return map_cache(part, lambda t: t.expand(rows, *t.shape[1:]))


def score_group(model: Any, encoded: Sequence[EncodedRequest], shared: Sequence[int], head: tuple[int, Any],
                group: Sequence[list[int]], pass_tokens: int, results: list[dict[str, float]],
                stats: ScoreStats | None) -> None:
    """One chain per row, every row starting after the common head's cache; wave t scores every
    live chain's t-th request into `results`, in passes split by new segment length (split_rows)."""
    width, start = head
    live, cached, step = list(range(len(group))), [width] * len(group), 0
    cache = broadcast(start, len(group)) if width else None
    while live:
        news = [len(encoded[group[s][step]].context) - cached[row] for row, s in enumerate(live)]
        parts, following = [], []
        for rows in split_rows(news, pass_tokens):
            keep = max(cached[row] for row in rows)
            members = [group[live[row]][step] for row in rows]
            wave = Wave([encoded[i] for i in members], [cached[row] for row in rows],
                        take_rows(cache, rows, width, keep), keep)
            kept = [out for out, row in enumerate(rows) if step + 1 < len(group[live[row]])]
            scores, part_cache, on_path = run_wave(model, wave, stats, keep_cache=bool(kept))
            for index, score in zip(members, scores):
                results[index] = score
            parts.append((part_cache if kept else None, on_path, kept))  # a finished part's cache goes
            following += [live[rows[out]] for out in kept]
        live, step = following, step + 1
        if live:
            cached = [shared[group[s][step]] for s in live]
            cache, width = join(parts, cached)


def score_streams(model: Any, encoded: Sequence[EncodedRequest], shared: Sequence[int], head: int,
                  groups: Sequence[Sequence[list[int]]], pass_tokens: int,
                  stats: ScoreStats | None) -> list[dict[str, float]]:
    """Every group in turn, after the common head (`head` tokens, computed once when there are any)."""
    results: list[dict[str, float]] = [{} for _ in encoded]
    start = head_cache(model, encoded[0].context[:head], stats) if head else None
    for group in groups:
        score_group(model, encoded, shared, (head, start), group, pass_tokens, results, stats)
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
