"""The lenient and DialogueLLM parsers: examples from the papers' outputs, and hypothesis properties."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.run.parsing import (
    FallbackLabel,
    edit_distance,
    get_parser,
    parse_dialoguellm,
    parse_lenient,
    parse_strict,
    to_prediction,
)
from harness.types import Completion, Dialogue, Example, Prompt, Utterance, frozen_mapping

MELD = ("neutral", "joy", "surprise", "anger", "sadness", "disgust", "fear")
EMORY = ("Neutral", "Joyful", "Peaceful", "Powerful", "Scared", "Mad", "Sad")
IEMOCAP = ("hap", "sad", "neu", "ang", "exc", "fru")


def amap(labels, prefix=""):
    return {prefix + label: label for label in labels}


RNG = random.Random(0)


@pytest.mark.parametrize(
    "text, labels, expected",
    [
        ("joy", MELD, "joy"),
        (" The emotion is anger, not joy.", MELD, "anger"),
        ("Joyful!", EMORY, "Joyful"),
        ("joyy", MELD, "joy"),
        ("angr", MELD, "anger"),
        ("I cannot tell.", MELD, None),
        ("", MELD, None),
        ("enjoyment", MELD, None),
    ],
)
def test_lenient_examples(text, labels, expected):
    assert parse_lenient(text, amap(labels, " "), RNG) == expected


@pytest.mark.parametrize(
    "text, labels, expected",
    [
        ("Happiness", MELD, "joy"),
        ("I am angry and happy", MELD, "joy"),  # "happy" comes first in the public keyword order
        ("Peaceful. Not sad", EMORY, "Peaceful"),
        ("scared", EMORY, "Scared"),
        ("frustration", IEMOCAP, "fru"),
        ("neutral\nanger", MELD, "neutral"),
    ],
)
def test_dialoguellm_keyword_order(text, labels, expected):
    result = parse_dialoguellm(text, amap(labels), RNG)
    assert result == expected and not isinstance(result, FallbackLabel)


def test_dialoguellm_falls_back_when_the_keyword_has_no_label_in_the_task():
    # "disgust" has no EmoryNLP label; the public code then emitted a wrong numeric id, we draw a seeded label
    result = parse_dialoguellm("disgust", amap(EMORY), random.Random(3))
    assert isinstance(result, FallbackLabel) and result in EMORY


def example_prompt(labels=MELD):
    dialogue = Dialogue("d", "test", (Utterance(0, "A", "hi", labels[0]),))
    example = Example("test/d/0", "meld", dialogue, 0, labels[0], labels)
    return Prompt(example, labels, frozen_mapping(amap(labels)), text="x")


def test_fallback_is_recorded_in_the_prediction_and_reproducible():
    parser = get_parser("dialoguellm")
    first = to_prediction(example_prompt(), Completion("test/d/0", text="no idea"), parser, random.Random("0:test/d/0"))
    again = to_prediction(example_prompt(), Completion("test/d/0", text="no idea"), parser, random.Random("0:test/d/0"))
    assert first.fallback is True and first.predicted in MELD and first.dialogue_id == "d"
    assert type(first.predicted) is str and first == again
    parsed = to_prediction(example_prompt(), Completion("test/d/0", text="fear"), parser, random.Random(0))
    assert parsed.predicted == "fear" and parsed.fallback is False


labels_strategy = st.sampled_from([MELD, EMORY, IEMOCAP])
junk = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=200, deadline=None)
@given(labels_strategy, st.data(), st.sampled_from(["", "The answer is ", "Emotion: "]),
       st.sampled_from(["", ".", "!", " because..."]))
def test_lenient_finds_a_label_written_in_a_sentence(labels, data, before, after):
    label = data.draw(st.sampled_from(labels))
    assert parse_lenient(f"{before}{label}{after}", amap(labels, " "), RNG) == label


@settings(max_examples=300, deadline=None)
@given(labels_strategy, junk)
def test_lenient_agrees_with_strict_whenever_strict_parses(labels, text):
    answer_map = amap(labels, " ")
    strict = parse_strict(text, answer_map, RNG)
    if strict is not None:
        assert parse_lenient(text, answer_map, RNG) == strict


@settings(max_examples=300, deadline=None)
@given(labels_strategy, junk, st.integers(0, 10**6))
def test_parsers_only_ever_return_task_labels_and_dialoguellm_always_answers(labels, text, seed):
    answer_map = amap(labels)
    assert parse_lenient(text, answer_map, random.Random(seed)) in (*labels, None)
    result = parse_dialoguellm(text, answer_map, random.Random(seed))
    assert result in labels
    assert parse_dialoguellm(text, answer_map, random.Random(seed)) == result


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12), st.text(max_size=12), st.text(max_size=12))
def test_edit_distance_is_a_metric(a, b, c):
    assert edit_distance(a, a) == 0
    assert edit_distance(a, b) == edit_distance(b, a)
    assert edit_distance(a, c) <= edit_distance(a, b) + edit_distance(b, c)
    assert edit_distance(a, b) <= max(len(a), len(b))
