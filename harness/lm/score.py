"""The one label scorer: log P(choice | context) for every choice, tokenised like lm-eval, fast on CPU and GPU."""

from __future__ import annotations

from typing import Any, Sequence

from harness.errors import ConfigError
from harness.lm.stats import ScoreStats
from harness.lm.tails import encode_requests_fast
from harness.lm.tokens import EncodedRequest, Request

#: auto: packed on a CPU, batched on a GPU (see docs/scoring.md for why each wins where it does).
SCORERS = ("auto", "packed", "batched")


def takes_custom_mask(model: Any) -> bool:
    """Both paths need an arbitrary 4D mask (eager and SDPA attention take one, flash-attention
    kernels do not) and `logits_to_keep` positions (transformers >= 4.50)."""
    import inspect

    implementation = getattr(model.config, "_attn_implementation", None)
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return implementation in (None, "eager", "sdpa") and "logits_to_keep" in inspect.signature(base.forward).parameters


def pick_scorer(model: Any, scorer: str) -> str:
    if scorer not in SCORERS:
        raise ConfigError(f"scorer must be one of {', '.join(SCORERS)}, got {scorer!r}")
    if not takes_custom_mask(model):
        implementation = getattr(model.config, "_attn_implementation", None)
        raise ConfigError(f"label scoring needs sdpa or eager attention, the model uses {implementation!r}")
    if scorer != "auto":
        return scorer
    return "batched" if next(model.parameters()).device.type == "cuda" else "packed"


def score_encoded(
    model: Any,
    encoded: Sequence[EncodedRequest],
    *,
    scorer: str = "auto",
    batch_size: int | None = None,
    max_tokens: int | None = None,
    reuse_prefix: bool = True,
    stats: ScoreStats | None = None,
) -> list[dict[str, float]]:
    """Scores of already tokenised requests (LoRA dev scoring encodes its own way)."""
    if not encoded:
        return []
    if pick_scorer(model, scorer) == "batched":
        from harness.lm.waves import score_batched

        return score_batched(model, encoded, max_tokens=max_tokens, max_rows=batch_size,
                             reuse_prefix=reuse_prefix, stats=stats)
    from harness.lm.packed import score_packed

    return score_packed(model, encoded, batch_size=batch_size, max_tokens=max_tokens,
                        reuse_prefix=reuse_prefix, stats=stats)


def score_choices(
    model: Any,
    tokenizer: Any,
    requests: Sequence[Request],
    *,
    add_special_tokens: bool | None = None,
    **options: Any,
) -> list[dict[str, float]]:
    """Log-prob of each choice after its context, one dict per request, same order as given.

    Options (see score_encoded): scorer (auto|packed|batched), batch_size (requests per pass;
    default: as many as fit), max_tokens (tokens per pass; default: from free memory on a GPU),
    reuse_prefix (carry a shared context prefix to the next request), stats (a ScoreStats to fill).
    """
    return score_encoded(model, encode_requests_fast(tokenizer, requests, add_special_tokens), **options)
