"""Batched greedy (or beam) generation: length-sorted batches, text cut at stop strings, finished rows dropped.

Greedy decoding runs its own loop. The prompt pass is right padded with no mask at all, so attention
takes the fused causal kernel (padding sits after a row's tokens, where causal attention never looks),
and each row's next token comes from its last real hidden state. Each later step feeds one token per
row under a boolean key mask that hides the padding columns. A row that has emitted an end-of-sequence
token or a stop string leaves the batch and its cache, so it costs nothing more; a batch ends when its
last row does. Beam search, and models whose generation config changes greedy logits (a repetition
penalty, banned words, ...), go through transformers' `generate` on left-padded batches.
"""

from __future__ import annotations

from typing import Any, Sequence

from harness.lm.batched import attention_mask, cache_keyword, map_cache, plain_head, returned_cache
from harness.lm.kernels import inference

#: Generation-config fields that add a logits processor to greedy decoding when off their default.
PROCESSOR_FIELDS = (
    "repetition_penalty", "encoder_repetition_penalty", "no_repeat_ngram_size", "encoder_no_repeat_ngram_size",
    "bad_words_ids", "min_length", "min_new_tokens", "forced_bos_token_id", "forced_eos_token_id",
    "suppress_tokens", "begin_suppress_tokens", "sequence_bias", "exponential_decay_length_penalty",
    "guidance_scale", "renormalize_logits", "watermarking_config", "forced_decoder_ids",
)
#: Rows per batch of transformers' generate (beam search, logits processors) when none is given. Our
#: greedy loop instead takes as many rows as the token budget allows (waves.token_budget), on a CPU too
#: (4096 tokens): with a Qwen2.5-0.5B shape in float32 on 2 cores, 300 MELD prompts took 288 s of model
#: time that way, 337 s in batches of 8 rows (more decoding steps) and 352 s in batches of 16384 tokens
#: (more padding).
CPU_ROWS, GPU_ROWS = 8, 64


def pad_left(sequences: Sequence[Sequence[int]], pad_id: int) -> tuple[Any, Any]:
    import torch

    width = max(len(seq) for seq in sequences)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, seq in enumerate(sequences):
        if seq:
            ids[row, width - len(seq) :] = torch.tensor(list(seq))
            mask[row, width - len(seq) :] = 1
    return ids, mask


def cut_at_stop(text: str, stops: Sequence[str]) -> str:
    """Cut at the first stop string after any leading whitespace (a model often starts with one)."""
    lead = len(text) - len(text.lstrip())
    end = len(text)
    for stop in stops:
        found = text.find(stop, lead)
        if found != -1:
            end = min(end, found)
    return text[:end]


def plain_greedy(model: Any) -> bool:
    """Greedy decoding is the argmax of the model's own logits: no processor from its generation config."""
    from transformers import GenerationConfig

    config = getattr(model, "generation_config", None)
    if config is None:
        return True
    default = GenerationConfig()
    return all(getattr(config, key, None) == getattr(default, key, None) for key in PROCESSOR_FIELDS)


def eos_ids(model: Any) -> set[int]:
    config = getattr(model, "generation_config", None)
    found = getattr(config, "eos_token_id", None)
    return set(found) if isinstance(found, (list, tuple)) else ({found} if found is not None else set())


def batches(inputs: Sequence[Sequence[int]], order: Sequence[int], rows: int | None, budget: int,
            new: int) -> list[list[int]]:
    """Consecutive indices of `order` (longest first): `rows` per batch when given, else as many as
    keep rows x (longest prompt + new tokens) within the token budget."""
    if rows:
        return [list(order[start : start + rows]) for start in range(0, len(order), rows)]
    out: list[list[int]] = []
    for index in order:
        if out and (len(out[-1]) + 1) * (len(inputs[out[-1][0]]) + new) <= budget:
            out[-1].append(index)
        else:
            out.append([index])
    return out


def generate(model: Any, tokenizer: Any, inputs: Sequence[Sequence[int]], settings: dict) -> list[str]:
    """Greedy (or beam) continuation of each token list; decoded new text cut at stops, in input order.

    Inputs are sorted by length, longest first (an out-of-memory shows at once, and a batch pads
    little). settings: max_new_tokens, num_beams, stop, batch_size (None: by the token budget)."""
    from harness.lm.waves import token_budget

    device = next(model.parameters()).device
    order = sorted(range(len(inputs)), key=lambda i: -len(inputs[i]))
    texts: list[str] = [""] * len(inputs)
    if not inputs:
        return texts
    greedy = settings["num_beams"] == 1 and plain_greedy(model) and plain_head(model)
    on_gpu = device.type == "cuda"
    rows = settings.get("batch_size") or (None if greedy else GPU_ROWS if on_gpu else CPU_ROWS)
    new = settings["max_new_tokens"]
    budget = token_budget(model, len(inputs[order[0]]) + new)
    for chosen in batches(inputs, order, rows, budget, new):
        run = greedy_batch if greedy else hf_batch
        for index, text in zip(chosen, run(model, tokenizer, [inputs[i] for i in chosen], settings)):
            texts[index] = text
    return texts


def hf_batch(model: Any, tokenizer: Any, sequences: Sequence[Sequence[int]], settings: dict) -> list[str]:
    """transformers' generate on a left-padded batch (beam search, or logits processors)."""

    device = next(model.parameters()).device
    ids, mask = pad_left(sequences, tokenizer.pad_token_id)
    with inference(model):
        output = model.generate(
            input_ids=ids.to(device),
            attention_mask=mask.to(device),
            max_new_tokens=settings["max_new_tokens"],
            num_beams=settings["num_beams"],
            do_sample=False,
            pad_token_id=tokenizer.pad_token_id,
        )
    return [cut_at_stop(tokenizer.decode(row, skip_special_tokens=True), settings["stop"])
            for row in output[:, ids.shape[1] :]]


def prompt_pass(model: Any, sequences: Sequence[Sequence[int]]) -> tuple[Any, Any, Any]:
    """Right-padded prompts, no mask (the fused causal kernel); returns each row's next-token logits,
    the cache and the prompt lengths."""
    import torch

    device = next(model.parameters()).device
    width = max(map(len, sequences))
    ids = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(list(seq))
    lengths = torch.tensor([len(seq) for seq in sequences], device=device)
    output = model.get_decoder()(input_ids=ids.to(device), use_cache=True)
    last = output.last_hidden_state[torch.arange(len(sequences), device=device), lengths - 1]
    return model.get_output_embeddings()(last), returned_cache(output), lengths


def greedy_batch(model: Any, tokenizer: Any, sequences: Sequence[Sequence[int]], settings: dict) -> list[str]:
    """Greedy decoding of one batch; a row that ends (EOS, stop string) leaves the batch and the cache."""
    import torch

    ends, stops, steps = eos_ids(model), settings["stop"], settings["max_new_tokens"]
    generated: list[list[int]] = [[] for _ in sequences]
    with inference(model):
        logits, cache, positions = prompt_pass(model, sequences)
        keys = torch.arange(cache_width(cache), device=positions.device)[None] < positions[:, None]
        live = list(range(len(sequences)))
        for step in range(steps):
            tokens = logits.argmax(-1)
            going = []
            for out, (row, token) in enumerate(zip(live, tokens.tolist())):
                generated[row].append(token)
                text = tokenizer.decode(generated[row], skip_special_tokens=True)
                if token not in ends and cut_at_stop(text, stops) == text:
                    going.append(out)
            if not going or step + 1 == steps:
                break
            if len(going) < len(live):  # finished rows stop costing compute
                kept = torch.tensor(going, device=positions.device)
                cache = map_cache(cache, lambda t: t.index_select(0, kept))
                tokens, positions, keys = tokens[kept], positions[kept], keys[kept]
                live = [live[out] for out in going]
            keys = torch.cat([keys, keys.new_ones((len(live), 1))], dim=1)
            output = model(input_ids=tokens[:, None], position_ids=positions[:, None],
                           attention_mask=attention_mask(model, keys[:, None]), use_cache=True, logits_to_keep=1,
                           **{cache_keyword(model): cache})
            logits, cache, positions = output.logits[:, -1], returned_cache(output), positions + 1
    return [cut_at_stop(tokenizer.decode(ids, skip_special_tokens=True), stops) for ids in generated]


def cache_width(cache: Any) -> int:
    return (cache.layers[0].keys if hasattr(cache, "layers") else cache.key_cache[0]).shape[2]
