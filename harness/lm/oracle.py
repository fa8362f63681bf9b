"""The test oracle: one full forward pass per (context, choice), nothing shared, nothing clever."""

from __future__ import annotations

from typing import Any, Sequence

from harness.lm.tokens import Request, encode_requests


def sequence_logprob(model: Any, tokens: Sequence[int], length: int) -> float:
    """Sum of log-probs of the last `length` tokens of one sequence, batch of one, no mask."""
    import torch

    device = next(model.parameters()).device
    with torch.inference_mode():
        logits = model(input_ids=torch.tensor([list(tokens[:-1])], device=device)).logits[0].float()
    rows = torch.log_softmax(logits[len(tokens) - 1 - length :], dim=-1)
    targets = torch.tensor(list(tokens[-length:]), device=device)
    return float(rows.gather(1, targets[:, None]).sum())


def score_choices_naive(
    model: Any, tokenizer: Any, requests: Sequence[Request], *, add_special_tokens: bool | None = None
) -> list[dict[str, float]]:
    """The reference every fast path is tested against."""
    results = []
    for encoded in encode_requests(tokenizer, requests, add_special_tokens):
        results.append({
            choice: sequence_logprob(model, encoded.sequence(index), len(encoded.continuations[index]))
            for index, choice in enumerate(encoded.choices)
        })
    return results
