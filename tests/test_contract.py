"""Every registered plugin honours its interface (run over whatever is installed)."""

from __future__ import annotations

import pytest

from harness.context import RunContext
from harness.discovery import default_registry
from harness.errors import ConfigError, DataError, ErcbenchError
from harness.interfaces import Describer, Model, PromptStrategy, Task, Trainer
from harness.registry import Registry
from harness.sdk.testing import TinyTask

REGISTRY = default_registry()
BASES = {"tasks": Task, "prompts": PromptStrategy, "models": Model, "trainers": Trainer, "describers": Describer}


@pytest.mark.parametrize("entry", REGISTRY.all(), ids=lambda e: f"{e.kind}:{e.name}")
def test_plugin_class_shape(entry):
    assert issubclass(entry.cls, BASES[entry.kind])
    assert entry.cls.name == entry.name
    assert entry.cls.description, f"{entry.name} has no description"
    assert entry.origin.distribution and entry.origin.version


@pytest.mark.parametrize("name", REGISTRY.names("prompts"))
def test_prompt_strategy_builds_one_prompt_per_example(name):
    strategy = REGISTRY.get("prompts", name).cls()
    task = TinyTask()
    strategy.prepare(task, RunContext(Registry(), seed=0))
    examples = task.examples("test")
    prompts = strategy.build(examples)
    assert [p.example for p in prompts] == examples
    for prompt in prompts:
        assert prompt.text or prompt.messages
        assert set(prompt.answer_map.values()) == set(task.labels)
        assert set(prompt.choices) == set(prompt.answer_map)


@pytest.mark.parametrize("name", REGISTRY.names("models"))
def test_model_constructs_or_refuses_clearly(name):
    cls = REGISTRY.get("models", name).cls
    assert cls.answer_mode in {"generate", "score"}
    try:
        model = cls()
    except ConfigError as exc:
        # A model that needs a target (weights) refuses in one line showing how to give it.
        assert "\n" not in str(exc) and f"-m {name}:" in str(exc)
    else:
        assert isinstance(model, Model) and isinstance(model.info(), dict)


@pytest.mark.parametrize("name", REGISTRY.names("describers"))
def test_describer_constructs_or_refuses_clearly(name):
    cls = REGISTRY.get("describers", name).cls
    try:
        describer = cls()
    except ConfigError as exc:
        # A describer that needs weights refuses in one line showing how to give them.
        assert "\n" not in str(exc) and f"-d {name}:" in str(exc)
    else:
        assert isinstance(describer, Describer) and isinstance(describer.info(), dict)


@pytest.mark.parametrize("name", REGISTRY.names("tasks"))
def test_task_lists_splits_and_fails_cleanly_without_data(name, tmp_path):
    try:
        task = REGISTRY.get("tasks", name).cls(tmp_path)
        splits = task.splits()
        examples = task.examples(splits[-1])
    except DataError as exc:
        # No data under an empty root: our own one-line error, naming where it looked.
        assert "\n" not in str(exc) and exc.path.startswith(str(tmp_path))
    except ErcbenchError as exc:
        # A task that needs an option to find its data (jsonl: path=FILE) names that option.
        assert isinstance(exc, ConfigError) and "\n" not in str(exc) and "--task-opt" in str(exc)
    else:
        # Only a task with embedded data can load from an empty root; its examples are whole.
        assert splits and examples and all(example.gold in example.labels for example in examples)
