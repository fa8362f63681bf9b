"""The one (prompt, answer) tokenisation: lm-eval's split, BOS handling, the training view of it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import ConfigError
from harness.lm import tokens


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
    context_ids = tokenizer(context.rstrip(), add_special_tokens=False)["input_ids"]
    whole = tokenizer(context + answer, add_special_tokens=False)["input_ids"]
    if len(whole) <= len(context_ids):
        # The answer merged into the context's last token (e.g. "'" + "s"): lm-eval would score an
        # empty continuation as log-prob 0; we refuse such a label set instead.
        with pytest.raises(ConfigError, match="tokenizes to nothing"):
            tokens.encode_pair(tokenizer, context, answer, add_special_tokens=False)
        return
    got_context, got_answer = tokens.encode_pair(tokenizer, context, answer, add_special_tokens=False)
    assert got_context == context_ids
    assert got_answer == whole[len(context_ids) :]


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
