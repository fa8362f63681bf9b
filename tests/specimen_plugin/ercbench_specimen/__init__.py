"""A third-party plugin in the shape any package would use: a task and a model via entry points."""

from __future__ import annotations

from typing import Sequence

from harness.hookspecs import hookimpl
from harness.interfaces import Model
from harness.sdk.testing import TinyTask
from harness.types import Completion, Prompt


class SpecimenTask(TinyTask):
    name = "specimen-task"
    description = "the specimen plugin's task (the in-memory tiny task)"


class FirstChoiceModel(Model):
    name = "first-choice"
    description = "always answers the first choice"

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        return [Completion(p.example.example_id, text=p.choices[0]) for p in prompts]


@hookimpl
def ercbench_register_tasks(register):
    register(SpecimenTask)


@hookimpl
def ercbench_register_models(register):
    register(FirstChoiceModel)
