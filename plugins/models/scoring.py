"""Label scoring: log P(choice | context) for every choice, tokenised exactly like lm-evaluation-harness."""

from __future__ import annotations

from typing import Any, Sequence

# (context text, choice strings): one scoring request per prompt.
Request = tuple[str, Sequence[str]]


def encode_pair(tokenizer: Any, context: str, continuation: str, prefix: Sequence[int] = ()) -> tuple[list[int], list[int]]:
    """lm-eval's _encode_pair: trailing context spaces move to the continuation, and the
    continuation tokens are those of context+continuation after the context's own tokens."""
    spaces = len(context) - len(context.rstrip())
    if spaces:
        continuation = context[-spaces:] + continuation
        context = context[:-spaces]
    whole = list(prefix) + tokenizer(context + continuation, add_special_tokens=False)["input_ids"]
    context_ids = list(prefix) + tokenizer(context, add_special_tokens=False)["input_ids"]
    return context_ids, whole[len(context_ids):]


def encode_requests(tokenizer: Any, requests: Sequence[Request], prefix: Sequence[int]) -> list[tuple[list[int], list[int]]]:
    """One (context ids, continuation ids) pair per (request, choice), in order."""
    pairs = []
    for context, choices in requests:
        for choice in choices:
            context_ids, choice_ids = encode_pair(tokenizer, context, choice, prefix)
            if not context_ids:
                # Nothing to condition on: lm-eval conditions on the end-of-text token.
                context_ids = [tokenizer.eos_token_id]
            pairs.append((context_ids, choice_ids))
    return pairs


def score_pairs(model: Any, pairs: Sequence[tuple[list[int], list[int]]], batch_size: int) -> list[float]:
    """Sum of continuation-token log-probs for each pair; longest first so batches pad little."""
    import torch

    order = sorted(range(len(pairs)), key=lambda i: -len(pairs[i][0]) - len(pairs[i][1]))
    scores = [0.0] * len(pairs)
    device = next(model.parameters()).device
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        inputs = [(pairs[i][0] + pairs[i][1])[:-1] for i in chunk]
        width = max(len(ids) for ids in inputs)
        ids = torch.zeros((len(chunk), width), dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, seq in enumerate(inputs):
            ids[row, : len(seq)] = torch.tensor(seq)
            mask[row, : len(seq)] = 1
        with torch.inference_mode():
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
        for row, index in enumerate(chunk):
            context_ids, choice_ids = pairs[index]
            first = len(context_ids) - 1  # the logits at position t predict token t+1
            rows = logits[row, first : first + len(choice_ids)].float().log_softmax(-1)
            target = torch.tensor(choice_ids, device=rows.device).unsqueeze(1)
            scores[index] = rows.gather(1, target).sum().item()
    return scores


def score_choices(
    model: Any,
    tokenizer: Any,
    requests: Sequence[Request],
    *,
    batch_size: int = 8,
    prefix: Sequence[int] = (),
) -> list[dict[str, float]]:
    """Per request, {choice: log-prob of the choice's full token sequence after the context}.

    `prefix` holds token ids put before every context (a BOS token, when the model wants one).
    """
    pairs = encode_requests(tokenizer, requests, prefix)
    empty = [choice for (_, choices) in requests for choice in choices]
    for (_, choice_ids), choice in zip(pairs, empty):
        if not choice_ids:
            raise ValueError(f"choice {choice!r} tokenizes to nothing after its context")
    flat = iter(score_pairs(model, pairs, batch_size))
    return [{choice: next(flat) for choice in choices} for _, choices in requests]
