"""The one tokenisation of (context, continuation) pairs, exactly like lm-evaluation-harness's HFLM._encode_pair."""

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


def special_tokens_flag(tokenizer: Any, text: str, add_special_tokens: bool | None) -> bool | None:
    """lm-eval's tok_encode: None keeps the tokenizer's default, except that a text already
    starting with the BOS string gets no second one."""
    if add_special_tokens is not None:
        return add_special_tokens
    if text.startswith(tokenizer.decode(prefix_token_id(tokenizer))):
        return False
    return None


def encode_texts(tokenizer: Any, texts: Sequence[str], flags: Sequence[bool | None]) -> list[list[int]]:
    """Token ids of many strings, one tokenizer call per distinct flag (fast tokenizers batch in Rust)."""
    ids: list[list[int]] = [[] for _ in texts]
    for flag in set(flags):
        positions = [i for i, f in enumerate(flags) if f == flag]
        kwargs = {} if flag is None else {"add_special_tokens": flag}
        for position, encoded in zip(positions, tokenizer([texts[i] for i in positions], **kwargs)["input_ids"]):
            ids[position] = list(encoded)
    return ids


def empty_context_pair(tokenizer: Any, continuation_ids: list[int]) -> tuple[list[int], list[int]]:
    """lm-eval's empty context: the prefix token, unless the continuation already starts with it."""
    prefix = prefix_token_id(tokenizer)
    if continuation_ids and continuation_ids[0] == prefix:
        return continuation_ids[:1], continuation_ids[1:]
    return [prefix], continuation_ids


def encode_pair(
    tokenizer: Any, context: str, continuation: str, add_special_tokens: bool | None = None
) -> tuple[list[int], list[int]]:
    """lm-eval's tokenisation of one (context, continuation) pair; see encode_requests.

    Scoring keeps the tokenizer's default special tokens (None); LoRA training passes False and
    puts `prefix_for(tokenizer, context)` before the (left-cut) context itself."""
    encoded = encode_requests(tokenizer, [(context, [continuation])], add_special_tokens)[0]
    return list(encoded.context), list(encoded.continuations[0])


def check_request(context: str, choices: Sequence[str]) -> None:
    if not choices:
        raise ConfigError("a scoring request needs at least one choice")
    if len(set(choices)) != len(choices):
        raise ConfigError(f"duplicate choices in {list(choices)!r}")
    if context and not context.strip():
        raise ConfigError("a scoring context may be empty but not whitespace only")


def encode_requests(
    tokenizer: Any, requests: Sequence[Request], add_special_tokens: bool | None = None
) -> list[EncodedRequest]:
    """Tokenise like lm-eval 0.4's HFLM (loglikelihood + _encode_pair + tok_encode): the context's
    trailing whitespace moves to the continuation; the continuation is what tokenising
    context+continuation adds after the context's own tokens; an empty context becomes the BOS
    (else EOS) token. A context's tokens do not depend on the choice, so each is encoded once."""
    texts: list[str] = []
    flags: list[bool | None] = []
    for context, choices in requests:
        check_request(context, choices)
        stripped, moved = split_trailing_space(context)
        flag = special_tokens_flag(tokenizer, stripped, add_special_tokens) if context else False
        texts += ([stripped] if context else []) + [stripped + moved + c for c in choices]
        flags += ([flag] if context else []) + [flag] * len(choices)
    ids = iter(encode_texts(tokenizer, texts, flags))
    return [encode_one(tokenizer, context, choices, ids) for context, choices in requests]


def encode_one(tokenizer: Any, context: str, choices: Sequence[str], ids) -> EncodedRequest:
    """Assemble one request from the flat iterator of token ids encode_requests produced."""
    if context:
        context_ids = next(ids)
        continuations = [next(ids)[len(context_ids) :] for _ in choices]
    else:
        pairs = [empty_context_pair(tokenizer, next(ids)) for _ in choices]
        context_ids, continuations = pairs[0][0], [cont for _, cont in pairs]
    for choice, cont in zip(choices, continuations):
        if not cont:
            raise ConfigError(f"choice {choice!r} tokenizes to nothing after the context")
    return EncodedRequest(tuple(choices), tuple(context_ids), tuple(tuple(cont) for cont in continuations))


def encode_request(
    tokenizer: Any, context: str, choices: Sequence[str], add_special_tokens: bool | None = None
) -> EncodedRequest:
    return encode_requests(tokenizer, [(context, choices)], add_special_tokens)[0]


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
