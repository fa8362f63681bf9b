"""The one (prompt, answer) tokenisation: lm-eval's split, BOS handling, the training view of it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.sdk import tokens
from harness.sdk.lm import tokens as lm_tokens


@pytest.fixture(scope="module")
def tokenizer():
    from tests.tinymodels import train_tokenizer

    tok = train_tokenizer()
    tok.pad_token = tok.eos_token
    return tok


text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(context=text.filter(lambda s: s.strip()), answer=text.filter(lambda s: s.strip()))
def test_encode_pair_splits_as_lm_eval_does(tokenizer, context, answer):
    context_ids, answer_ids = tokens.encode_pair(tokenizer, context, answer)
    assert (context_ids, answer_ids) == lm_tokens.encode_pair(tokenizer, context, answer, add_special_tokens=False)
    whole = tokenizer(context.rstrip() + context[len(context.rstrip()) :] + answer, add_special_tokens=False)[
        "input_ids"
    ]
    assert context_ids == tokenizer(context.rstrip(), add_special_tokens=False)["input_ids"]
    assert answer_ids == whole[len(context_ids) :]


class BosTokenizer:
    """A stand-in that, like LLaMA's, puts BOS (id 1) before text by default."""

    bos_token = "<s>"

    def __call__(self, text, add_special_tokens=True):
        ids = [ord(c) for c in text]
        return {"input_ids": ([1] if add_special_tokens else []) + ids}


def test_prefix_is_bos_unless_the_text_starts_with_it():
    tokenizer = BosTokenizer()
    assert tokens.default_prefix(tokenizer) == [1]
    assert tokens.prefix_for(tokenizer, "hello") == [1]
    assert tokens.prefix_for(tokenizer, "<s>hello") == []
