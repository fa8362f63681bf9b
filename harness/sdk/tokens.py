"""How a (prompt, answer) pair becomes token ids: one definition for LoRA training and scoring."""

from __future__ import annotations

from typing import Any


def default_prefix(tokenizer: Any) -> list[int]:
    """Special tokens the tokenizer puts before text by default (LLaMA: BOS)."""
    plain = tokenizer("a", add_special_tokens=False)["input_ids"]
    default = tokenizer("a")["input_ids"]
    for start in range(len(default) - len(plain) + 1):
        if default[start : start + len(plain)] == plain:
            return default[:start]
    return []


def prefix_for(tokenizer: Any, text: str) -> list[int]:
    """The default prefix, except when the text already starts with BOS (chat templates write it)."""
    return [] if tokenizer.bos_token and text.startswith(tokenizer.bos_token) else default_prefix(tokenizer)


def encode_pair(tokenizer: Any, context: str, answer: str) -> tuple[list[int], list[int]]:
    """lm-eval's _encode_pair: trailing spaces move to the answer; answer = whole minus context tokens."""
    spaces = len(context) - len(context.rstrip())
    if spaces:
        context, answer = context[:-spaces], context[-spaces:] + answer
    whole = tokenizer(context + answer, add_special_tokens=False)["input_ids"]
    context_ids = tokenizer(context, add_special_tokens=False)["input_ids"]
    return context_ids, whole[len(context_ids) :]
