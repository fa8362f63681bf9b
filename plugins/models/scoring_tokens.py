"""Tokenising scoring requests exactly like lm-evaluation-harness's HFLM._encode_pair."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from harness.errors import ConfigError

#: One request: the context text and the continuation strings to score after it.
Request = tuple[str, Sequence[str]]


@dataclass(frozen=True)
class EncodedRequest:
    """Token ids of one request: its context and one continuation per choice."""

    choices: tuple[str, ...]
    context: tuple[int, ...]
    continuations: tuple[tuple[int, ...], ...]

    def sequence(self, choice: int) -> tuple[int, ...]:
        """The tokens a naive scorer feeds for one choice (context + continuation)."""
        return self.context + self.continuations[choice]


def prefix_token_id(tokenizer: Any) -> int:
    """The token lm-eval puts before a continuation whose context is empty (BOS, else EOS)."""
    if tokenizer.bos_token_id is not None:
        return tokenizer.bos_token_id
    if tokenizer.eos_token_id is not None:
        return tokenizer.eos_token_id
    raise ConfigError("tokenizer has neither a BOS nor an EOS token to stand for an empty context")


def split_trailing_space(context: str) -> tuple[str, str]:
    """lm-eval moves the context's trailing whitespace to the front of the continuation."""
    stripped = context.rstrip()
    return stripped, context[len(stripped) :]


def encode_pair(
    tokenizer: Any, context: str, continuation: str, add_special_tokens: bool = False
) -> tuple[list[int], list[int]]:
    """lm-eval's HFLM._encode_pair: the continuation is what tokenising context+continuation adds
    after the context's own tokens; an empty context becomes the BOS (else EOS) token."""
    if context == "":
        return [prefix_token_id(tokenizer)], tokenizer.encode(continuation, add_special_tokens=False)
    context, moved = split_trailing_space(context)
    whole = tokenizer.encode(context + moved + continuation, add_special_tokens=add_special_tokens)
    context_ids = tokenizer.encode(context, add_special_tokens=add_special_tokens)
    return context_ids, whole[len(context_ids) :]


def check_choices(choices: Sequence[str]) -> None:
    if not choices:
        raise ConfigError("a scoring request needs at least one choice")
    if len(set(choices)) != len(choices):
        raise ConfigError(f"duplicate choices in {list(choices)!r}")


def batch_encode(tokenizer: Any, texts: list[str], add_special_tokens: bool) -> list[list[int]]:
    """Token ids of many strings in one tokenizer call (fast tokenizers do it in parallel)."""
    if not texts:
        return []
    return tokenizer(texts, add_special_tokens=add_special_tokens)["input_ids"]


def encode_requests(
    tokenizer: Any, requests: Sequence[Request], add_special_tokens: bool = False
) -> list[EncodedRequest]:
    """Encode many requests in three tokenizer calls; a context's tokens do not depend on the
    choice, so each context is encoded once."""
    for context, choices in requests:
        check_choices(choices)
        if context and not context.strip():
            raise ConfigError("a scoring context may be empty but not whitespace only")
    split = [split_trailing_space(context) for context, _ in requests]
    with_context = [(s, m, cs) for (s, m), (_, cs) in zip(split, requests) if s]
    contexts = iter(batch_encode(tokenizer, [s for s, _, _ in with_context], add_special_tokens))
    wholes = iter(batch_encode(tokenizer, [s + m + c for s, m, cs in with_context for c in cs], add_special_tokens))
    bare = iter(batch_encode(tokenizer, [c for (s, _), (_, cs) in zip(split, requests) if not s for c in cs], False))
    encoded = []
    for (stripped, _), (_, choices) in zip(split, requests):
        if stripped:
            context_ids = next(contexts)
            continuations = [next(wholes)[len(context_ids) :] for _ in choices]
        else:
            context_ids = [prefix_token_id(tokenizer)]
            continuations = [next(bare) for _ in choices]
        for choice, ids in zip(choices, continuations):
            if not ids:
                raise ConfigError(f"choice {choice!r} adds no tokens after the context")
        encoded.append(EncodedRequest(tuple(choices), tuple(context_ids), tuple(map(tuple, continuations))))
    return encoded


def encode_request(
    tokenizer: Any, context: str, choices: Sequence[str], add_special_tokens: bool = False
) -> EncodedRequest:
    return encode_requests(tokenizer, [(context, choices)], add_special_tokens)[0]
