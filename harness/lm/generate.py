"""Batched greedy (or beam) generation: length-sorted, left-padded batches, text cut at stop strings."""

from __future__ import annotations

from typing import Any, Sequence


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


def generate(model: Any, tokenizer: Any, inputs: Sequence[Sequence[int]], settings: dict) -> list[str]:
    """Greedy (or beam) continuation of each token list; decoded new text cut at stops, in input order.

    Inputs are sorted by length (longest first, so an out-of-memory shows at once) and left-padded
    per batch: padding stays small, and every row's next token sits in the last column."""
    import torch

    device = next(model.parameters()).device
    order = sorted(range(len(inputs)), key=lambda i: -len(inputs[i]))
    texts: list[str] = [""] * len(inputs)
    size = settings["batch_size"]
    for start in range(0, len(order), size):
        chosen = order[start : start + size]
        ids, mask = pad_left([inputs[i] for i in chosen], tokenizer.pad_token_id)
        with torch.inference_mode():
            output = model.generate(
                input_ids=ids.to(device),
                attention_mask=mask.to(device),
                max_new_tokens=settings["max_new_tokens"],
                num_beams=settings["num_beams"],
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
            )
        for index, row in zip(chosen, output[:, ids.shape[1] :]):
            texts[index] = cut_at_stop(tokenizer.decode(row, skip_special_tokens=True), settings["stop"])
    return texts
