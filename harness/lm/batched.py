"""The GPU scorer: rows of contexts under one padded pass, choices over their cached keys/values.

A pass ("wave") holds one request per row. Stage 1 feeds each row's new context tokens, left
padded so every row's last token sits in the last column: its logits alone give every choice's
first token. Stage 2, only when some choice has more than one token, feeds the choices' other
tokens after the cache, each choice seeing its own context and its own earlier tokens. Attention
per row covers that row's keys only: a pass costs rows x width x (its cached + new keys), the
token tree plus padding, never (all new tokens x all keys) as one packed row does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from harness.lm.kernels import inference
from harness.lm.stats import ScoreStats, path_scores
from harness.lm.tokens import EncodedRequest


@dataclass
class Wave:
    """One pass: each row's request, how many of its context tokens the cache already holds, and
    the cache itself (rows aligned, `width` columns, a row's cached path right-aligned)."""

    requests: list[EncodedRequest]
    cached: list[int]
    cache: Any = None
    width: int = 0

    def feeds(self) -> list[tuple[int, ...]]:
        return [r.context[p:] for r, p in zip(self.requests, self.cached)]


def attention_mask(model: Any, allowed: Any) -> Any:
    """(rows, 1, queries, keys): SDPA takes booleans as they are; eager wants an additive float mask."""
    import torch

    if getattr(model.config, "_attn_implementation", "sdpa") != "eager":
        return allowed[:, None]
    dtype = next(model.parameters()).dtype
    return torch.zeros(allowed.shape, dtype=dtype, device=allowed.device).masked_fill_(
        ~allowed, torch.finfo(dtype).min)[:, None]


def map_cache(cache: Any, change: Any) -> Any:
    """Apply `change(tensor)` to every layer's keys and values, in place (both cache layouts)."""
    if hasattr(cache, "layers"):  # transformers >= 4.56: one object per layer
        for layer in cache.layers:
            layer.keys, layer.values = change(layer.keys), change(layer.values)
        return cache
    for index, (keys, values) in enumerate(zip(cache.key_cache, cache.value_cache)):
        cache.key_cache[index], cache.value_cache[index] = change(keys), change(values)
    return cache


def cache_keyword(model: Any) -> str:
    import inspect

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"


def returned_cache(output: Any) -> Any:
    """The grown cache: `cache` in transformers 5 (reading `past_key_values` there logs a deprecation)."""
    cache = getattr(output, "cache", None)
    return cache if cache is not None else output.past_key_values


def forward(model: Any, ids: Any, positions: Any, allowed: Any, cache: Any, keep: int) -> tuple[Any, Any]:
    """One pass; returns the logits of the last `keep` columns and the grown cache."""
    from transformers import DynamicCache

    cache = cache if cache is not None else DynamicCache()
    with inference(model):
        output = model(input_ids=ids, position_ids=positions, attention_mask=attention_mask(model, allowed),
                       use_cache=True, logits_to_keep=keep, **{cache_keyword(model): cache})
    return output.logits, returned_cache(output)


def plain_head(model: Any) -> bool:
    """Logits are the output embedding of the decoder's last hidden state (LLaMA, Qwen, Mistral...),
    with no scaling or soft-capping that only the model's own forward would apply."""
    config = model.config
    scaled = any(getattr(config, key, None) not in (None, 1, 1.0)
                 for key in ("final_logit_softcapping", "logit_scale", "logits_scaling"))
    return not scaled and hasattr(model, "get_decoder") and model.get_output_embeddings() is not None


def causal_pass(model: Any, wave: Wave, keep_cache: bool, stats: ScoreStats | None) -> tuple[Any, Any, Any]:
    """Stage 1 for fresh rows: right padded, no mask at all, so attention runs the fused causal
    kernel (flash on a GPU), which computes each row's lower triangle only. Padding comes after
    a row's tokens, where causal attention never looks; each row's last real hidden state is
    read and put through the output embedding."""
    import torch

    device = next(model.parameters()).device
    feeds = wave.feeds()
    rows, width = len(feeds), max(len(f) for f in feeds)
    ids = torch.zeros((rows, width), dtype=torch.long)
    on_path = torch.zeros((rows, width), dtype=torch.bool)
    for row, feed in enumerate(feeds):
        ids[row, : len(feed)] = torch.tensor(feed)
        on_path[row, : len(feed)] = True
    lengths = torch.tensor([len(f) for f in feeds], device=device)
    with inference(model):
        output = model.get_decoder()(input_ids=ids.to(device), use_cache=keep_cache)
        last = output.last_hidden_state[torch.arange(rows, device=device), lengths - 1]
        logits = model.get_output_embeddings()(last)
    if stats is not None:
        tree = sum(path_scores(0, len(f)) for f in feeds)
        stats.add_pass(rows * width, sum(map(len, feeds)), rows * width * (width + 1) // 2, tree)
    return torch.log_softmax(logits.float(), dim=-1), returned_cache(output) if keep_cache else None, on_path


def context_pass(model: Any, wave: Wave, stats: ScoreStats | None) -> tuple[Any, Any, Any]:
    """Stage 1: new context tokens, left padded. Returns last-column log-probs, the cache and the
    row-path key mask (rows x all keys) that stage 2 and the next wave start from."""
    import torch

    device = next(model.parameters()).device
    feeds, past = wave.feeds(), wave.width
    rows, width = len(feeds), max(len(f) for f in feeds)
    ids = torch.zeros((rows, width), dtype=torch.long)
    positions = torch.zeros((rows, width), dtype=torch.long)
    on_path = torch.zeros((rows, past + width), dtype=torch.bool)
    tree = 0
    for row, (feed, cached) in enumerate(zip(feeds, wave.cached)):
        ids[row, width - len(feed) :] = torch.tensor(feed)
        positions[row, width - len(feed) :] = torch.arange(cached, cached + len(feed))
        on_path[row, past - cached : past] = True
        on_path[row, past + width - len(feed) :] = True
        tree += path_scores(cached, len(feed))
    causal = torch.ones((width, past + width), dtype=torch.bool).tril(past)
    allowed = on_path[:, None, :] & causal[None]
    allowed[:, torch.arange(width), past + torch.arange(width)] = True  # a padding query sees itself: no NaN
    logits, cache = forward(model, ids.to(device), positions.to(device), allowed.to(device), wave.cache, 1)
    if stats is not None:
        stats.add_pass(rows * width, sum(map(len, feeds)), rows * width * (past + width), tree)
    return torch.log_softmax(logits[:, -1].float(), dim=-1), cache, on_path


def choice_layout(requests: Sequence[EncodedRequest]) -> tuple[list[list[int]], list[list[int]]]:
    """Per row, the stage-2 tokens (every choice but its last token, choice after choice) and the
    segment (choice index) of each."""
    tokens, segments = [], []
    for request in requests:
        row_tokens: list[int] = []
        row_segments: list[int] = []
        for index, ids in enumerate(request.continuations):
            row_tokens.extend(ids[:-1])
            row_segments.extend([index] * (len(ids) - 1))
        tokens.append(row_tokens)
        segments.append(row_segments)
    return tokens, segments


def choice_pass(model: Any, wave: Wave, cache: Any, on_path: Any, stats: ScoreStats | None) -> Any:
    """Stage 2: the choices' later tokens over the cached contexts; returns their log-prob rows."""
    import torch

    device = next(model.parameters()).device
    tokens, segments = choice_layout(wave.requests)
    rows, width, keys = len(tokens), max(map(len, tokens)), on_path.shape[1]
    ids = torch.zeros((rows, width), dtype=torch.long)
    positions = torch.zeros((rows, width), dtype=torch.long)
    segment = torch.full((rows, width), -1, dtype=torch.long)
    tree = 0
    for row, (request, row_tokens, row_segments) in enumerate(zip(wave.requests, tokens, segments)):
        if row_tokens:
            ids[row, : len(row_tokens)] = torch.tensor(row_tokens)
            segment[row, : len(row_tokens)] = torch.tensor(row_segments)
        depth = 0
        for index, seg in enumerate(row_segments):
            depth = depth + 1 if index and row_segments[index - 1] == seg else 0
            positions[row, index] = len(request.context) + depth
            tree += len(request.context) + depth + 1
    same = (segment[:, :, None] == segment[:, None, :]) & (segment[:, :, None] >= 0)
    own = same & torch.ones((width, width), dtype=torch.bool).tril()[None]
    own[:, torch.arange(width), torch.arange(width)] = True
    real = (segment >= 0)[:, :, None]
    allowed = torch.cat([on_path[:, None, :].expand(rows, width, keys) & real, own], dim=2)
    logits, cache = forward(model, ids.to(device), positions.to(device), allowed.to(device), cache, width)
    map_cache(cache, lambda t: t[:, :, :keys])  # the choices' keys are never reused
    if stats is not None:
        stats.add_pass(rows * width, sum(map(len, tokens)), rows * width * (keys + width), tree)
    return logits


def read_scores(first: Any, later: Any, wave: Wave) -> list[dict[str, float]]:
    """Sum each choice's token log-probs: its first from stage 1, the rest from stage 2."""
    import torch

    rows, targets, slots, columns = [], [], [], []
    slot = 0
    for row, request in enumerate(wave.requests):
        start = 0
        for ids in request.continuations:
            for depth, token in enumerate(ids):
                rows.append(row)
                targets.append(token)
                slots.append(slot)
                columns.append(-1 if depth == 0 else start + depth - 1)
            start += len(ids) - 1
            slot += 1
    device = first.device
    rows_t, targets_t = torch.tensor(rows, device=device), torch.tensor(targets, device=device)
    columns_t = torch.tensor(columns, device=device)
    values = first[rows_t, targets_t].double()
    later_reads = columns_t >= 0
    if later is not None and bool(later_reads.any()):
        picked = later[rows_t[later_reads], columns_t[later_reads]].float().log_softmax(-1)
        values[later_reads] = picked.gather(1, targets_t[later_reads, None])[:, 0].double()
    totals = torch.zeros(slot, dtype=torch.float64, device=device)
    totals.index_add_(0, torch.tensor(slots, device=device), values)
    flat = iter(totals.cpu().tolist())
    return [{choice: next(flat) for choice in request.choices} for request in wave.requests]


def run_wave(model: Any, wave: Wave, stats: ScoreStats | None,
             keep_cache: bool = False) -> tuple[list[dict[str, float]], Any, Any]:
    """Both stages of one wave; returns the scores, the cache (contexts only; with keep_cache, for
    the next wave) and the row paths. Fresh rows with no cache to keep take the causal kernel."""
    two_stages = any(len(ids) > 1 for request in wave.requests for ids in request.continuations)
    if wave.cache is None and not keep_cache and plain_head(model):
        first, cache, on_path = causal_pass(model, wave, two_stages, stats)
    else:
        first, cache, on_path = context_pass(model, wave, stats)
    later = None
    if two_stages:
        later = choice_pass(model, wave, cache, on_path, stats)
    return read_scores(first, later, wave), cache, on_path
