"""Classical baselines read the Example: majority picks the train mode; TF-IDF LR learns the words."""

from __future__ import annotations

import re

import pytest

from harness.context import RunContext
from harness.errors import ConfigError
from harness.registry import Registry
from harness.sdk.testing import TinyTask
from plugins.models.classical import Majority, TfidfLogReg, example_text
from plugins.prompts.zero_shot import ZeroShot


def prompts_for(split="test"):
    task = TinyTask()
    return task, ZeroShot().build(task.examples(split))


def test_majority_answers_the_most_frequent_train_label():
    task, prompts = prompts_for()
    model = Majority()
    model.prepare(task, RunContext(Registry(), seed=0))
    # train: neutral 2, joy 2, anger 1 -> tie broken by the task's label order
    assert {c.text.strip() for c in model.predict(prompts)} == {"neutral"}


def test_tfidf_lr_fits_train_and_predicts_train_perfectly():
    task, prompts = prompts_for("train")
    model = TfidfLogReg()
    model.prepare(task, RunContext(Registry(), seed=0))
    answers = [c.text for c in model.predict(prompts)]
    assert [prompt.answer_map[a] for prompt, a in zip(prompts, answers)] == [p.example.gold for p in prompts]


def test_context_option_prepends_earlier_turns():
    _, prompts = prompts_for()
    third = prompts[2].example
    assert example_text(third, 0) == "this is awful"
    assert example_text(third, 1) == "wonderful news this is awful"


@pytest.mark.parametrize("options", [{"context": "x"}, {"context": "-1"}, {"C": "big"}, {"C": "0"}])
def test_bad_options_are_config_errors(options):
    [(key, value)] = options.items()
    with pytest.raises(ConfigError, match=rf"\b{key}\b.*{re.escape(value)}"):
        TfidfLogReg(**options)
