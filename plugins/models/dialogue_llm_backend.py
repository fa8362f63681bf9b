"""Causal-LM scoring and greedy generation for the dialoguellm model, encoded exactly as LoRA training does."""

from __future__ import annotations

from typing import Any, Sequence

from harness.sdk.tokens import encode_pair, prefix_for


def pair_ids(tokenizer: Any, context: str, choice: str, max_length: int) -> tuple[list[int], int]:
    """prefix + left-cut context + choice tokens, and how many of them are the choice."""
    prefix = prefix_for(tokenizer, context)
    context_ids, choice_ids = encode_pair(tokenizer, context, choice)
    # Training appends EOS to the answer; reserving its slot cuts the context exactly as training did.
    reserve = 1 if tokenizer.eos_token_id is not None else 0
    room = max(1, max_length - len(prefix) - len(choice_ids) - reserve)
    return prefix + context_ids[-room:] + choice_ids, len(choice_ids)


def score_choices(model: Any, tokenizer: Any, context: str, choices: Sequence[str], max_length: int) -> list[float]:
    """Sum of log-probs of each choice's tokens after the context, in one padded batch."""
    import torch

    rows = [pair_ids(tokenizer, context, choice, max_length) for choice in choices]
    width = max(len(ids) for ids, _ in rows)
    device = next(model.parameters()).device
    ids = torch.full((len(rows), width), tokenizer.pad_token_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for index, (row, _) in enumerate(rows):
        ids[index, : len(row)] = torch.tensor(row)
        mask[index, : len(row)] = 1
    with torch.inference_mode():
        logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float()
    logprobs = torch.log_softmax(logits, dim=-1)
    sums = []
    for index, (row, size) in enumerate(rows):
        positions = torch.arange(len(row) - size - 1, len(row) - 1, device=device)
        targets = torch.tensor(row[len(row) - size :], device=device)
        sums.append(float(logprobs[index, positions, targets].sum()))
    return sums


def generate(model: Any, tokenizer: Any, texts: Sequence[str], max_length: int, max_new_tokens: int) -> list[str]:
    """Greedy continuation of each text, one at a time (no padding effects), cut at the first newline."""
    import torch

    device = next(model.parameters()).device
    answers = []
    for text in texts:
        prefix = prefix_for(tokenizer, text)
        context = tokenizer(text, add_special_tokens=False)["input_ids"]
        ids = prefix + context[-max(1, max_length - len(prefix)) :]
        with torch.inference_mode():
            output = model.generate(
                input_ids=torch.tensor([ids], device=device),
                attention_mask=torch.ones((1, len(ids)), dtype=torch.long, device=device),
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
            )
        decoded = tokenizer.decode(output[0, len(ids) :], skip_special_tokens=True)
        stripped = decoded.lstrip()
        answers.append(decoded[: len(decoded) - len(stripped)] + stripped.split("\n", 1)[0])
    return answers
