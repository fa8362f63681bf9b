"""run_one on the in-memory task: the stages in order, reuse without loading, resume of only the missing."""

from __future__ import annotations

from typing import Any, ClassVar, Sequence

import pytest

from harness.context import RunContext
from harness.results.record import FinishedRun
from harness.results.store import read_predictions
from harness.run.executor import Interrupted, RunOptions
from harness.run.run_one import run_one
from harness.sdk.testing import EchoGoldModel, TinyTask, registry_with
from harness.types import Completion, Prompt, RunSpec


class RecordingModel(EchoGoldModel):
    """The perfect model, noting each load and each batch it answers; `stop_at` batch raises Ctrl-C."""

    name = "recording"
    log: ClassVar[list[tuple[str, Any]]] = []
    stop_at: ClassVar[int | None] = None

    def prepare(self, task: Any, context: RunContext) -> None:
        self.log.append(("prepare", context.seed))

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        if self.stop_at is not None and sum(kind == "predict" for kind, _ in self.log) == self.stop_at:
            raise KeyboardInterrupt
        self.log.append(("predict", [prompt.example.example_id for prompt in prompts]))
        return super().predict(prompts)


@pytest.fixture
def context():
    RecordingModel.log, RecordingModel.stop_at = [], None
    return RunContext(registry_with([("tasks", TinyTask), ("models", RecordingModel)]))


SPEC = RunSpec(task="tiny", prompt="zero-shot", model="recording", seed=5)
IDS = [example.example_id for example in TinyTask().examples("test")]


def test_the_model_loads_once_then_answers_the_built_prompts_in_batches_in_order(context, results_dir):
    run = run_one(SPEC, context, RunOptions(results_dir=results_dir, batch_size=3))
    assert isinstance(run, FinishedRun) and run.result.n == len(IDS) == 7 and run.result.scores["accuracy"] == 1.0
    assert RecordingModel.log == [("prepare", 5), ("predict", IDS[:3]), ("predict", IDS[3:6]), ("predict", IDS[6:])]
    assert [prediction.example_id for prediction in read_predictions(run.folder)] == IDS


def test_a_finished_run_is_reused_without_loading_the_model(context, results_dir):
    said: list[str] = []
    first = run_one(SPEC, context, RunOptions(results_dir=results_dir))
    RecordingModel.log.clear()
    again = run_one(SPEC, context, RunOptions(results_dir=results_dir, say=said.append))
    assert again.folder == first.folder and again.result.run_id == first.result.run_id
    assert RecordingModel.log == [] and said and "reusing the finished run" in said[0]


def test_resume_answers_only_what_an_interrupted_attempt_left(context, results_dir):
    RecordingModel.stop_at = 1
    with pytest.raises(Interrupted) as stopped:
        run_one(SPEC, context, RunOptions(results_dir=results_dir, batch_size=3))
    assert stopped.value.saved == 3
    RecordingModel.log.clear()
    RecordingModel.stop_at = None
    run = run_one(SPEC, context, RunOptions(results_dir=results_dir, batch_size=3, resume=True))
    assert RecordingModel.log == [("prepare", 5), ("predict", IDS[3:6]), ("predict", IDS[6:])]
    assert run.result.resumed_from == 3 and [p.example_id for p in read_predictions(run.folder)] == IDS
