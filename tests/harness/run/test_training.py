"""harness.run.training: training through the registry's trainer, with clear errors."""

from __future__ import annotations

import pytest

from harness.context import RunContext
from harness.discovery import default_registry
from harness.errors import ConfigError, PluginError
from harness.interfaces import Trainer
from harness.run import training
from harness.sdk.testing import TinyTask, registry_with


def test_unknown_trainer_and_no_task_are_clear(tmp_path):
    context = RunContext(default_registry())
    with pytest.raises(PluginError, match="unknown trainer"):
        training.train("qlora-magic", ["sample"], tmp_path, context)
    with pytest.raises(ConfigError, match="at least one task"):
        training.train("lora", [], tmp_path, context)


class Recording(Trainer):
    name = "recording"
    seen: list = []

    def train(self, tasks, out_dir, context):
        Recording.seen.append((tasks, out_dir, context))
        return {"n_tasks": len(tasks)}


def test_the_trainer_gets_the_context_and_finds_plugins_only_there(tmp_path):
    registry = registry_with([("tasks", TinyTask), ("trainers", Recording)])
    context = RunContext(registry, data_dir=tmp_path / "data")
    assert training.train("recording", ["tiny"], tmp_path / "out", context, task_options={}) == {"n_tasks": 1}
    [(tasks, out_dir, seen)] = Recording.seen
    assert seen is context and out_dir == tmp_path / "out" and tasks[0].data_dir == tmp_path / "data"
    assert not hasattr(Recording(), "registry")  # no side door: the registry arrives with the context
