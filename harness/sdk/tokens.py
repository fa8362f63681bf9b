"""Kept for plugins written against it: the training-side view of harness.sdk.lm.tokens (no special tokens)."""

from __future__ import annotations

from typing import Any

from harness.sdk.lm.tokens import default_prefix, prefix_for
from harness.sdk.lm.tokens import encode_pair as _encode_pair

__all__ = ["default_prefix", "encode_pair", "prefix_for"]


def encode_pair(tokenizer: Any, context: str, answer: str) -> tuple[list[int], list[int]]:
    """harness.sdk.lm.tokens.encode_pair without special tokens (the caller adds `prefix_for`)."""
    return _encode_pair(tokenizer, context, answer, add_special_tokens=False)
