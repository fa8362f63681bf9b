"""Prompt text helpers: stop strings and left truncation (property-tested)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.lm.chat import token_count, truncate_left
from harness.lm.generate import cut_at_stop


@pytest.fixture(scope="module")
def tokenizer():
    from tests.tinymodels import train_tokenizer

    return train_tokenizer()


def test_cut_at_stop_skips_leading_whitespace():
    assert cut_at_stop(" joy\nmore", ["\n"]) == " joy"
    assert cut_at_stop("\njoy\nmore", ["\n"]) == "\njoy"
    assert cut_at_stop("joy###x\n", ["\n", "###"]) == "joy"
    assert cut_at_stop("joy", []) == "joy"


@settings(max_examples=60, deadline=None)
@given(text=st.text(min_size=0, max_size=120), budget=st.integers(min_value=1, max_value=40))
def test_truncate_left_keeps_a_suffix_within_budget(tokenizer, text, budget):
    kept, dropped = truncate_left(tokenizer, text, budget)
    assert text.endswith(kept)
    assert token_count(tokenizer, kept) <= budget
    assert dropped == token_count(tokenizer, text) - token_count(tokenizer, kept)
    if token_count(tokenizer, text) <= budget:
        assert kept == text and dropped == 0
