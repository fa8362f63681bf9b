"""k-shot demonstrations: seeded random, one per label, retrieved by similarity; bad k is a clear error."""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.context import RunContext
from harness.errors import ConfigError
from harness.interfaces import Task
from harness.registry import Registry
from harness.types import Dialogue, Utterance
from plugins.prompts.k_shot import KShot, top_indices
from tests.plugins.prompts.examples import LABELS, dialogue_example

TRAIN_TEXTS = [
    ("I love this so much!", "joy"),
    ("This is the best day ever.", "joy"),
    ("Get out of my apartment!", "anger"),
    ("You ate my sandwich?", "anger"),
    ("Okay, see you at six.", "neutral"),
    ("You got the tickets, amazing.", "neutral"),
    ("Wait, you got married?", "surprise"),
    ("My fish died this morning.", "sadness"),
    ("Ew, there is hair in the soup.", "disgust"),
    ("Did you hear that noise?", "fear"),
]


class TinyTask(Task):
    """Ten one-utterance train dialogues; test is the shared fixed dialogue."""

    name = "tiny"
    labels = LABELS

    def splits(self):
        return ("train", "test")

    def dialogues(self, split):
        if split == "test":
            return [dialogue_example().dialogue]
        return [
            Dialogue(f"t{i}", "train", (Utterance(0, "Joey", text, label),))
            for i, (text, label) in enumerate(TRAIN_TEXTS)
        ]


def demos_of(strategy, example=None):
    return strategy.demonstrations([example or dialogue_example()])[0]


def test_random_selection_is_seeded_and_fixed_for_the_run():
    first, again, other = KShot(k="3"), KShot(k="3"), KShot(k="3")
    first.prepare(TinyTask(), RunContext(Registry(), seed=1))
    again.prepare(TinyTask(), RunContext(Registry(), seed=1))
    other.prepare(TinyTask(), RunContext(Registry(), seed=2))
    assert demos_of(first) == demos_of(again)
    assert len(demos_of(first)) == 3 and len({d.example_id for d in demos_of(first)}) == 3
    assert demos_of(first) != demos_of(other)
    assert first.info()["demonstrations"] == [d.example_id for d in demos_of(first)]


def test_balanced_gives_one_demonstration_per_label_in_task_order():
    strategy = KShot(k="7", selection="balanced")
    strategy.prepare(TinyTask(), RunContext(Registry(), seed=0))
    assert [d.gold for d in demos_of(strategy)] == list(LABELS)


def test_balanced_cycles_and_fails_when_a_label_runs_out():
    strategy = KShot(k="9", selection="balanced")
    strategy.prepare(TinyTask(), RunContext(Registry(), seed=0))
    assert [d.gold for d in demos_of(strategy)][7:] == ["neutral", "joy"]
    with pytest.raises(ConfigError, match="needs 2 train examples of 'surprise'"):
        KShot(k="10", selection="balanced").prepare(TinyTask(), RunContext(Registry(), seed=0))


def test_retrieved_puts_the_most_similar_utterance_last():
    strategy = KShot(k="2", selection="retrieved")
    strategy.prepare(TinyTask(), RunContext(Registry(), seed=0))
    example = dialogue_example(target_index=0)  # "You're late again."
    query = dialogue_example(target_index=3)  # "... you got the tickets? That's amazing!"
    demos = demos_of(strategy, query)
    assert demos[-1].target.text == "You got the tickets, amazing."
    assert len(demos_of(strategy, example)) == 2


def test_k_larger_than_the_pool_is_a_clear_error():
    with pytest.raises(ConfigError, match="k=11 but the train split of 'tiny' has only 10 examples"):
        KShot(k="11").prepare(TinyTask(), RunContext(Registry(), seed=0))


@pytest.mark.parametrize(
    "options, message",
    [({"k": "-1"}, "k must be >= 0"), ({"k": "two"}, "whole number"), ({"selection": "best"}, "selection must be"),
     ({"encoder": "mini"}, "only applies to selection=retrieved")],
)
def test_bad_options_are_config_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        KShot(**options)


def test_k_zero_builds_the_zero_shot_prompt():
    strategy = KShot(k="0", template="dialoguellm")
    strategy.prepare(TinyTask(), RunContext(Registry(), seed=0))
    prompt = strategy.build([dialogue_example()])[0]
    assert "### Sample" not in prompt.text and prompt.meta["demos"] == []


def test_demonstrations_appear_in_the_prompt():
    strategy = KShot(k="2", selection="retrieved", template="dialoguellm", window="0")
    strategy.prepare(TinyTask(), RunContext(Registry(), seed=0))
    text = strategy.build([dialogue_example()])[0].text
    assert "            Instruction:Joey: You got the tickets, amazing.\n            Input:neutral\n" in text


def test_encoder_is_loaded_lazily_and_used_for_retrieval(monkeypatch):
    class FakeEncoder:
        """Bag of characters: enough to make retrieval depend on the encoder."""

        def __init__(self, name):
            self.name = name

        def encode(self, texts, normalize_embeddings):
            vectors = np.array([[t.lower().count(c) for c in "abcdefghijklmnopqrstuvwxyz"] for t in texts], float)
            return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    monkeypatch.setitem(sys.modules, "sentence_transformers", types.SimpleNamespace(SentenceTransformer=FakeEncoder))
    strategy = KShot(k="1", selection="retrieved", encoder="fake-mini")
    strategy.prepare(TinyTask(), RunContext(Registry(), seed=0))
    assert strategy.retriever.encoder.name == "fake-mini"
    assert len(demos_of(strategy)) == 1


def test_missing_sentence_transformers_is_a_config_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ConfigError, match="sentence-transformers"):
        KShot(k="1", selection="retrieved", encoder="x").prepare(TinyTask(), RunContext(Registry(), seed=0))


def data_root() -> Path:
    return Path(os.environ.get("ERCBENCH_DATA", Path(__file__).resolve().parents[3] / ".." / "shared" / "data"))


@pytest.mark.skipif(not (data_root() / "meld").is_dir(), reason="real MELD data not available")
def test_retrieval_on_real_meld_never_returns_the_example_itself():
    from plugins.datasets.meld import Meld

    task = Meld(data_root())
    strategy = KShot(k="3", selection="retrieved")
    strategy.prepare(task, RunContext(Registry(), seed=0))
    train = task.examples("train")[:50]
    for example, demos in zip(train, strategy.demonstrations(train)):
        assert len(demos) == 3 and example.example_id not in {d.example_id for d in demos}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=30), st.integers(1, 35))
def test_top_indices_equals_a_full_stable_sort(values, n):
    scores = np.array(values, dtype=float)
    expected = np.argsort(-scores, kind="stable")[:n]
    assert list(top_indices(scores, n)) == list(expected)
