"""The CPU scorer: packed token-tree passes through a causal LM, logits only where read, carried cache."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from harness.lm.batched import cache_keyword, returned_cache
from harness.lm.pack import Carry, PackedGroup, pack, plan_groups
from harness.lm.stats import ScoreStats
from harness.lm.tokens import EncodedRequest

#: Tokens per forward on CPU: past ~1024 the wasted masked attention outgrows what packing saves.
CPU_TOKEN_BUDGET = 1024
#: Upper bound on GPUs; the real budget also depends on free memory (see token_budget). Measured on
#: an H200 (1B model, bf16, MELD window 5): 512/1024/2048/4096/8192/16384 tokens per pass gave
#: 27/74/138/138/190/166 examples/s -- each pass costs about the same fixed time, up to 8192.
GPU_TOKEN_BUDGET = 8192


def token_budget(model: Any, max_keys_hint: int = 0) -> int:
    """New tokens per forward that fit in memory: on a GPU, a quarter of the free memory divided
    by what one token costs (keys/values, MLP activations, its row of the attention scores)."""
    import torch

    parameter = next(model.parameters())
    if parameter.device.type != "cuda":
        return CPU_TOKEN_BUDGET
    free, _ = torch.cuda.mem_get_info(parameter.device)
    config = model.config
    width = parameter.element_size()
    layers, hidden = config.num_hidden_layers, config.hidden_size
    intermediate = getattr(config, "intermediate_size", 4 * hidden)
    heads = config.num_attention_heads
    per_token = width * (2 * layers * hidden + 4 * hidden + 3 * intermediate)
    per_token += 4 * heads * (GPU_TOKEN_BUDGET + max_keys_hint)  # fp32 scores in the math kernel
    return int(max(64, min(GPU_TOKEN_BUDGET, free // 4 // per_token)))


def float_mask(allowed: np.ndarray, dtype, device):
    """Additive 4D mask (0 = attend, most negative = blocked), as eager and SDPA attention expect."""
    import torch

    blocked = torch.from_numpy(~allowed).to(device)
    mask = torch.zeros(blocked.shape, dtype=dtype, device=device)
    return mask.masked_fill_(blocked, torch.finfo(dtype).min)[None, None]


def keep_positions(cache: Any, keys: np.ndarray) -> Any:
    """Shrink a KV cache, in place, to the given key positions (the next carry's context path)."""
    import torch

    index = torch.from_numpy(keys)
    if hasattr(cache, "layers"):  # transformers >= 4.56: one object per layer
        for layer in cache.layers:
            layer.keys = layer.keys.index_select(-2, index.to(layer.keys.device))
            layer.values = layer.values.index_select(-2, index.to(layer.values.device))
        return cache
    for i, (k, v) in enumerate(zip(cache.key_cache, cache.value_cache)):  # older: parallel lists
        cache.key_cache[i] = k.index_select(-2, index.to(k.device))
        cache.value_cache[i] = v.index_select(-2, index.to(v.device))
    return cache


def count_pass(stats: ScoreStats | None, group: PackedGroup) -> None:
    """A packed pass computes every (new token, key) score, the mask hiding most of them."""
    if stats is not None:
        n_keys = group.n_cached + group.n_new
        tree = int(np.sum(np.asarray(group.positions, dtype=np.int64) + 1))
        stats.add_pass(group.n_new, group.n_new, group.n_new * n_keys, tree)


def run_group(model: Any, group: PackedGroup, carry: Carry, n_slots: int, keep_cache: bool):
    """One forward over a packed group; returns per-slot log-prob sums and the next carry."""
    import torch

    parameter = next(model.parameters())
    device = parameter.device
    read_rows = np.asarray(group.read_keys, dtype=np.int64) - group.n_cached
    rows, inverse = np.unique(read_rows, return_inverse=True)
    with torch.inference_mode():
        output = model(
            input_ids=torch.tensor([group.tokens], device=device),
            position_ids=torch.tensor([group.positions], device=device),
            attention_mask=float_mask(group.mask(), parameter.dtype, device),
            use_cache=keep_cache,
            logits_to_keep=torch.from_numpy(rows).to(device),
            **{cache_keyword(model): carry.cache},
        )
        logprobs = torch.log_softmax(output.logits[0].float(), dim=-1)
        values = logprobs[torch.from_numpy(inverse).to(device), torch.tensor(group.read_targets, device=device)]
        slots = torch.tensor(group.read_slots, device=device)
        totals = torch.zeros(n_slots, dtype=torch.float64, device=device).index_add_(0, slots, values.double())
    if not keep_cache:
        return totals.cpu().numpy(), Carry()
    return totals.cpu().numpy(), Carry(group.last_tokens, keep_positions(returned_cache(output), group.last_path))


def score_packed(
    model: Any,
    encoded: Sequence[EncodedRequest],
    *,
    batch_size: int | None = None,
    max_tokens: int | None = None,
    reuse_prefix: bool = True,
    stats: ScoreStats | None = None,
) -> list[dict[str, float]]:
    """Score encoded requests in packed groups, consecutive ones sharing cached prefixes."""
    budget = max_tokens or token_budget(model)
    groups = plan_groups(encoded, (), budget, batch_size or len(encoded) or 1)
    results: list[dict[str, float]] = []
    carry = Carry()
    for members in groups:
        requests = [encoded[i] for i in members]
        n_slots = sum(len(r.choices) for r in requests)
        group = pack(carry, requests, first_slot=0)
        totals, carry = run_group(model, group, carry, n_slots, keep_cache=reuse_prefix)
        count_pass(stats, group)
        start = 0
        for request in requests:
            results.append(dict(zip(request.choices, totals[start : start + len(request.choices)].tolist())))
            start += len(request.choices)
    return results
