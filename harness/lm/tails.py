"""encode_requests' exact result for a fraction of the tokenizer's work: each context once, each choice after its tail.

lm-eval tokenises a context and then, per choice, the whole context again with the choice
appended. Here a context is tokenised once (with offsets) and each choice only after the context's
last TAIL_TOKENS tokens (its tail): the choice's tokens are what tokenising tail + choice adds
after the tail's own tokens. That equals the whole-string split whenever tokenisation is local (a
token's ids depend on nearby text only), which holds for regex-split byte-level BPE (GPT-2, LLaMA 3,
Qwen) and for SentencePiece's whitespace-bounded pieces. It is checked, not assumed:
- per request, the tail tokenised alone must give the context's own last tokens, else that
  request is tokenised the whole way;
- on a sample of requests (the first, then every SAMPLE_EVERY-th) the whole-string split is
  computed too, and one difference sends every request the whole way.
"""

from __future__ import annotations

from typing import Any, Sequence

from harness.lm.tokens import (
    EncodedRequest,
    Request,
    check_request,
    encode_requests,
    special_tokens_flag,
    split_trailing_space,
)

#: Context tokens re-tokenised with each choice: far more than any merge reaches across.
TAIL_TOKENS = 8
#: One request in this many (and the first) is also tokenised the whole way, to check the tails.
SAMPLE_EVERY = 64


def encode_requests_fast(tokenizer: Any, requests: Sequence[Request],
                         add_special_tokens: bool | None = None) -> list[EncodedRequest]:
    """encode_requests(tokenizer, requests, add_special_tokens), tokenising each context once."""
    for context, choices in requests:
        check_request(context, choices)
    if not getattr(tokenizer, "is_fast", False) or not requests:  # offsets need a fast (Rust) tokenizer
        return encode_requests(tokenizer, requests, add_special_tokens)
    found = tail_encode(tokenizer, requests, add_special_tokens)
    whole = [index for index, request in enumerate(found) if request is None]
    sample = sorted({0, *range(SAMPLE_EVERY - 1, len(requests), SAMPLE_EVERY)} - set(whole))
    exact = encode_requests(tokenizer, [requests[i] for i in [*whole, *sample]], add_special_tokens)
    for index, request in zip([*whole, *sample], exact):
        if found[index] is not None and found[index] != request:  # not local after all: no shortcut
            return encode_requests(tokenizer, requests, add_special_tokens)
        found[index] = request
    return [request for request in found if request is not None]


def tail_encode(tokenizer: Any, requests: Sequence[Request],
                add_special_tokens: bool | None) -> list[EncodedRequest | None]:
    """Each request by its tail, or None where that cannot be trusted (short, empty or not local)."""
    stripped = [split_trailing_space(context) for context, _ in requests]
    flags = [special_tokens_flag(tokenizer, text, add_special_tokens) for text, _ in stripped]
    contexts = encode_with_offsets(tokenizer, [text for text, _ in stripped], flags)
    cuts = [tail_start(ids, offsets, text) for (ids, offsets), (text, _) in zip(contexts, stripped)]
    tails = [text[cut:] if cut is not None else "" for cut, (text, _) in zip(cuts, stripped)]
    texts = [tail + moved + choice for tail, (_, moved), (_, choices) in zip(tails, stripped, requests)
             for choice in choices]
    tail_ids = iter(plain_ids(tokenizer, tails + texts))
    own = [next(tail_ids) for _ in tails]
    found: list[EncodedRequest | None] = []
    for (context, choices), (ids, _), cut, mine in zip(requests, contexts, cuts, own):
        continuations = [tuple(next(tail_ids)[len(mine):]) for _ in choices]
        usable = cut is not None and context and ids[len(ids) - len(mine):] == mine and all(continuations)
        found.append(EncodedRequest(tuple(choices), tuple(ids), tuple(continuations)) if usable else None)
    return found


def tail_start(ids: Sequence[int], offsets: Sequence[tuple[int, int]], text: str) -> int | None:
    """Where the context's last TAIL_TOKENS tokens start in its text; None when the context is
    shorter, or that token starts mid-character or shares characters with the one before."""
    first = len(ids) - TAIL_TOKENS
    if first < 1 or not text:
        return None
    start, before_end = offsets[first][0], offsets[first - 1][1]
    return start if 0 < start < len(text) and before_end <= start else None


def encode_with_offsets(tokenizer: Any, texts: Sequence[str],
                        flags: Sequence[bool | None]) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """Token ids and character offsets of many texts, one tokenizer call per distinct flag."""
    out: list[tuple[list[int], list[tuple[int, int]]]] = [([], []) for _ in texts]
    for flag in set(flags):
        positions = [i for i, f in enumerate(flags) if f == flag]
        kwargs = {} if flag is None else {"add_special_tokens": flag}
        encoded = tokenizer([texts[i] for i in positions], return_offsets_mapping=True, **kwargs)
        for position, ids, offsets in zip(positions, encoded["input_ids"], encoded["offset_mapping"]):
            out[position] = (list(ids), [tuple(pair) for pair in offsets])
    return out


def plain_ids(tokenizer: Any, texts: Sequence[str]) -> list[list[int]]:
    """Token ids of text pieces with no special tokens, each distinct piece tokenised once (prompts
    built from one template share their tails, so their tail + choice pieces repeat)."""
    distinct = list(dict.fromkeys(texts))
    if not distinct:
        return []
    found = dict(zip(distinct, tokenizer(distinct, add_special_tokens=False)["input_ids"]))
    return [list(found[text]) for text in texts]
