"""Label scoring for causal LMs: log P(choice | context) for every choice, tokenised like lm-eval."""

from __future__ import annotations

from typing import Any, Sequence

from plugins.models.scoring_tokens import EncodedRequest, Request, encode_pair, encode_request, encode_requests

__all__ = [
    "EncodedRequest",
    "Request",
    "encode_pair",
    "encode_request",
    "encode_requests",
    "score_choices",
    "score_choices_naive",
    "score_choices_padded",
]


def model_device(model: Any):
    return next(model.parameters()).device


def sequence_logprobs(model: Any, sequences: Sequence[Sequence[int]], lengths: Sequence[int]) -> list[float]:
    """Sum of log-probs of the last `length` tokens of each sequence, one right-padded forward."""
    import torch

    device = model_device(model)
    width = max(len(tokens) for tokens in sequences) - 1
    input_ids = torch.zeros((len(sequences), width), dtype=torch.long, device=device)
    attention = torch.zeros((len(sequences), width), dtype=torch.long, device=device)
    for row, tokens in enumerate(sequences):
        fed = torch.tensor(tokens[:-1], dtype=torch.long, device=device)
        input_ids[row, : len(fed)] = fed
        attention[row, : len(fed)] = 1
    with torch.inference_mode():
        logits = model(input_ids=input_ids, attention_mask=attention).logits.float()
    scores = []
    for row, (tokens, length) in enumerate(zip(sequences, lengths)):
        end = len(tokens) - 1
        rows = torch.log_softmax(logits[row, end - length : end], dim=-1)
        targets = torch.tensor(tokens[-length:], dtype=torch.long, device=device)
        scores.append(float(rows.gather(1, targets[:, None]).sum()))
    return scores


def score_choices_naive(
    model: Any, tokenizer: Any, requests: Sequence[Request], *, add_special_tokens: bool | None = None
) -> list[dict[str, float]]:
    """The reference: one full forward pass per (context, choice), nothing shared."""
    results = []
    for encoded in encode_requests(tokenizer, requests, add_special_tokens):
        scores = {}
        for index, choice in enumerate(encoded.choices):
            length = len(encoded.continuations[index])
            scores[choice] = sequence_logprobs(model, [encoded.sequence(index)], [length])[0]
        results.append(scores)
    return results


def score_choices_padded(
    model: Any,
    tokenizer: Any,
    requests: Sequence[Request],
    *,
    batch_size: int | None = None,
    add_special_tokens: bool | None = None,
) -> list[dict[str, float]]:
    """One row per (context, choice), rows sorted by length so each padded batch wastes little.

    The fallback for architectures that do not accept a custom 4D attention mask."""
    rows = [
        (request_index, choice_index, encoded)
        for request_index, encoded in enumerate(encode_requests(tokenizer, requests, add_special_tokens))
        for choice_index in range(len(encoded.choices))
    ]
    rows.sort(key=lambda row: -len(row[2].sequence(row[1])))
    results: list[dict[str, float]] = [{} for _ in requests]
    step = batch_size or 16
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        sequences = [encoded.sequence(choice) for _, choice, encoded in chunk]
        lengths = [len(encoded.continuations[choice]) for _, choice, encoded in chunk]
        for (request, choice, encoded), value in zip(chunk, sequence_logprobs(model, sequences, lengths)):
            results[request][encoded.choices[choice]] = value
    return [{choice: scores[choice] for choice in requests[i][1]} for i, scores in enumerate(results)]


def takes_custom_mask(model: Any) -> bool:
    """Packing needs an arbitrary 4D mask (eager and SDPA attention take one, flash-attention
    kernels do not) and `logits_to_keep` positions (transformers >= 4.50)."""
    import inspect

    implementation = getattr(model.config, "_attn_implementation", None)
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return implementation in (None, "eager", "sdpa") and "logits_to_keep" in inspect.signature(base.forward).parameters


def score_choices(
    model: Any,
    tokenizer: Any,
    requests: Sequence[Request],
    *,
    batch_size: int | None = None,
    max_tokens: int | None = None,
    reuse_prefix: bool = True,
    add_special_tokens: bool | None = None,
) -> list[dict[str, float]]:
    """Log-prob of each choice after its context, one dict per request, same order as given.

    Consecutive requests are packed into forward passes of at most `max_tokens` new tokens
    (default: sized from free memory) and `batch_size` requests; shared prefixes are computed once
    and, with `reuse_prefix`, the last context's keys/values carry over to the next pass.
    """
    from plugins.models.scoring_run import score_packed

    if not takes_custom_mask(model):
        return score_choices_padded(model, tokenizer, requests, batch_size=batch_size, add_special_tokens=add_special_tokens)
    encoded = encode_requests(tokenizer, requests, add_special_tokens)
    return score_packed(model, encoded, batch_size=batch_size, max_tokens=max_tokens, reuse_prefix=reuse_prefix)
