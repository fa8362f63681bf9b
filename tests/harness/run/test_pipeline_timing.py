"""run.json says where the time went, and a model's preferred batch size reaches predict()."""

from __future__ import annotations

import json
from typing import Sequence

from harness.context import RunContext
from harness.results.store import RUN_FILE
from harness.run import pipeline
from harness.sdk.testing import EchoGoldModel, TinyTask, registry_with
from harness.types import Completion, Prompt, RunSpec


class CountingModel(EchoGoldModel):
    """A perfect model that asks for 5 examples per call and counts 3 tokens per prompt."""

    name = "counting"
    calls: list[int] = []

    def prepare(self, task, context) -> None:
        self.preferred_batch_size = 5
        self.tokens_computed = 0

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        CountingModel.calls.append(len(prompts))
        self.tokens_computed += 3 * len(prompts)
        return super().predict(prompts)


def test_timing_and_preferred_batch_size(tmp_path):
    registry = registry_with([("tasks", TinyTask), ("models", CountingModel)])
    CountingModel.calls = []
    result, folder = pipeline.run(RunSpec(task="tiny", prompt="zero-shot", model="counting"), RunContext(registry),
                                  results_dir=tmp_path)
    assert CountingModel.calls == [5, 2]
    timing = json.loads((folder / RUN_FILE).read_text())["timing"]
    assert timing["n_predicted"] == 7 and timing["tokens_computed"] == 21
    assert timing["model_s"] >= 0 and timing["prompt_s"] >= 0 and timing["model_load_s"] >= 0
    assert timing["model_s"] + timing["prompt_s"] <= result.duration_s
    assert timing["examples_per_s"] is None or timing["examples_per_s"] > 0


def test_models_without_a_preference_get_the_runs_batch_size(tmp_path):
    registry = registry_with()
    result, _ = pipeline.run(RunSpec(task="tiny", prompt="zero-shot", model="echo-gold"), RunContext(registry),
                             results_dir=tmp_path, batch_size=3)
    assert result.timing["n_predicted"] == 7 and result.timing["tokens_computed"] is None
