"""Dialogue context for runs written before run folders held it: rebuilt from the task's data, each split once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

from harness.errors import ErcbenchError
from harness.registry import Registry
from harness.results.context import Context, contexts_of
from harness.results.record import FinishedRun


class TaskContexts:
    """`html.build`'s fallback: a run's contexts from its task (None when the data is not at hand, with why)."""

    def __init__(self, registry: Registry, data_dir: Path | None):
        self.registry = registry
        self.data_dir = data_dir
        self.loaded: dict[str, tuple[Mapping[str, Context], str | None]] = {}

    def __call__(self, run: FinishedRun) -> tuple[Mapping[str, Context], str | None]:
        spec = run.spec
        key = json.dumps([spec.task, dict(spec.task_args), spec.split], sort_keys=True)
        if key not in self.loaded:
            try:
                task = self.registry.task(spec.task)(self.data_dir, **spec.task_args)
                self.loaded[key] = (contexts_of(task.examples(spec.split)), None)
            except (ErcbenchError, OSError) as exc:
                self.loaded[key] = ({}, str(exc))
        return self.loaded[key]
