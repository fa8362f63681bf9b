"""Choices tokenised after the context's tail give exactly lm-eval's whole-string split, or fall back to it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import ConfigError
from harness.lm import tails
from harness.lm.tokens import encode_requests

LABELS = (" neutral", " joy", " surprise", " anger", " sadness", " disgust", " fear")


@pytest.fixture(scope="module")
def byte_level():
    from tests.tinymodels import train_tokenizer

    return train_tokenizer()


@pytest.fixture(scope="module")
def metaspace():
    """A LLaMA-2-like tokenizer: SentencePiece-style pieces (Metaspace), BOS before every text."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    from tests.tinymodels import CORPUS

    core = Tokenizer(models.BPE(unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Metaspace()
    core.decoder = decoders.Metaspace()
    core.train_from_iterator(CORPUS, trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>", "<s>", "</s>"]))
    core.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<s>", eos_token="</s>", unk_token="<unk>")


words = st.lists(st.sampled_from(["Ross:", "I", "can't", "believe", "it!", "\n", "  ", "joy", "émotion", "日本",
                                  "neutral", "###", "don't", "...", "Rachel:", "ok"]), min_size=0, max_size=40)
choice_sets = st.lists(st.sampled_from([*LABELS, "joy", "\nanger", " 🙂", "s", "'s", ":"]), min_size=1, max_size=4,
                       unique=True)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contexts=st.lists(words.map(" ".join), min_size=1, max_size=5), choices=choice_sets,
       flag=st.sampled_from([None, False, True]))
def test_tails_equal_the_whole_string_split(byte_level, metaspace, contexts, choices, flag):
    requests = [(context, tuple(choices)) for context in contexts if not context or context.strip()]
    for tokenizer in (byte_level, metaspace):
        try:
            want = encode_requests(tokenizer, requests, flag)
        except ConfigError as exc:  # a choice that adds no tokens: the same refusal
            with pytest.raises(ConfigError, match=str(exc).split("'")[0]):
                tails.encode_requests_fast(tokenizer, requests, flag)
            continue
        assert tails.encode_requests_fast(tokenizer, requests, flag) == want


class LongRangeTokenizer:
    """Characters as tokens, except that a character 20 after an '@' gets another id: not local, and
    invisible to the tail check (the '@' sits before the tail), so only the sample can catch it."""

    is_fast = True
    bos_token_id, eos_token_id = None, 0

    def decode(self, ids):
        return "</s>"

    def ids(self, text):
        return [ord(c) + (1000 if i >= 20 and text[i - 20] == "@" else 0) for i, c in enumerate(text)]

    def __call__(self, texts, add_special_tokens=True, return_offsets_mapping=False):
        batch = [texts] if isinstance(texts, str) else texts
        out = {"input_ids": [self.ids(text) for text in batch]}
        if return_offsets_mapping:
            out["offset_mapping"] = [[(i, i + 1) for i in range(len(text))] for text in batch]
        return out if not isinstance(texts, str) else {k: v[0] for k, v in out.items()}


def test_a_tokenizer_that_is_not_local_is_caught_by_the_sample():
    tokenizer = LongRangeTokenizer()
    context = "x" * 30 + "@" + "y" * 14
    requests = [(context, ("abcdefgh", "zzzzzzzz"))] * 3
    assert tails.tail_encode(tokenizer, requests, None)[0] != encode_requests(tokenizer, requests)[0]
    assert tails.encode_requests_fast(tokenizer, requests) == encode_requests(tokenizer, requests)


def test_a_tail_that_does_not_reproduce_the_context_is_tokenised_whole(byte_level):
    class Shifted(LongRangeTokenizer):
        def ids(self, text):  # every id depends on the text's length: no tail matches
            return [ord(c) + len(text) for c in text]

    requests = [("a long enough context here", (" joy", " anger"))]
    assert tails.tail_encode(Shifted(), requests, None) == [None]
    assert tails.encode_requests_fast(Shifted(), requests) == encode_requests(Shifted(), requests)


def test_short_and_empty_contexts_take_the_whole_way(byte_level):
    requests = [("", (" joy",)), ("hi", (" joy", " fear"))]
    assert tails.tail_encode(byte_level, requests, None) == [None, None]
    assert tails.encode_requests_fast(byte_level, requests) == encode_requests(byte_level, requests)
