"""A model's counters in run.json add up over attempts; attempt.json from an older ercbench still resumes."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from harness.context import RunContext
from harness.counters import Counters, counter
from harness.errors import DataError
from harness.results.store import ATTEMPT_FILE, PartialRun
from harness.run import pipeline
from harness.sdk.testing import EchoGoldModel, TinyTask, registry_with
from harness.types import RunSpec
from tests.harness.run.interrupts import interrupt_second_batch

SPEC = RunSpec(task="tiny", prompt="zero-shot", model="counting")  # TinyTask: 7 examples


@dataclass(frozen=True, kw_only=True)
class Counted(Counters):
    prompts: int = counter("sum")
    sizes: tuple[str, ...] = counter("union", ())
    largest: int = counter("max")


class CountingModel(EchoGoldModel):
    """Answers gold and counts the prompts and batch sizes it saw."""

    name = "counting"

    def __init__(self, **options: str):
        super().__init__(**options)
        self.sizes: list[int] = []

    def predict(self, prompts):
        self.sizes.append(len(prompts))
        return super().predict(prompts)

    def info(self) -> dict:
        return {"device": "cpu"}

    def counters(self) -> Counted:
        return Counted(prompts=sum(self.sizes), sizes=tuple(dict.fromkeys(f"size-{n}" for n in self.sizes)),
                       largest=max(self.sizes, default=0))


@pytest.fixture
def registry():
    return registry_with([("tasks", TinyTask), ("models", CountingModel)])


def run(registry, results_dir, **options):
    return pipeline.run(SPEC, RunContext(registry), results_dir=results_dir, **options)


def interrupted_after_first_batch(registry, results_dir, monkeypatch) -> None:
    real = interrupt_second_batch(monkeypatch, CountingModel)
    with pytest.raises(KeyboardInterrupt):
        run(registry, results_dir, batch_size=3)
    monkeypatch.setattr(CountingModel, "predict", real)


def killed_before_run_json(registry, results_dir, monkeypatch, **options) -> None:
    real_finish = PartialRun.finish
    monkeypatch.setattr(PartialRun, "finish", lambda self, result: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        run(registry, results_dir, **options)
    monkeypatch.setattr(PartialRun, "finish", real_finish)


def attempt_file(results_dir):
    [partial] = results_dir.glob(".*.partial")
    return partial / ATTEMPT_FILE


def test_one_attempt_writes_the_settings_beside_the_counters(registry, results_dir):
    result, _ = run(registry, results_dir, batch_size=4)
    assert result.model_info == {"device": "cpu", "prompts": 7, "sizes": ["size-4", "size-3"], "largest": 4}


def test_a_resumed_run_adds_up_every_attempts_counts_also_when_nothing_is_left(registry, results_dir, monkeypatch):
    interrupted_after_first_batch(registry, results_dir, monkeypatch)  # 3 answered
    killed_before_run_json(registry, results_dir, monkeypatch, resume=True, batch_size=2)  # 4 more, then killed
    assert json.loads(attempt_file(results_dir).read_text())["counters"]["prompts"] == 7
    result, _ = run(registry, results_dir, resume=True)  # nothing left: the model never loads
    assert result.resumed_from == 7 and result.n == 7
    assert result.model_info == {"device": "cpu", "prompts": 7, "sizes": ["size-3", "size-2"], "largest": 3}


def test_an_attempt_json_without_counters_still_resumes(registry, results_dir, monkeypatch):
    interrupted_after_first_batch(registry, results_dir, monkeypatch)
    old = {"prompt_info": {"window": "0"}, "model_info": {"device": "cpu", "prompts": 3}}  # an older ercbench's
    attempt_file(results_dir).write_text(json.dumps(old))
    result, _ = run(registry, results_dir, resume=True, batch_size=4)
    assert result.n == 7 and result.model_info["prompts"] == 4  # nothing recorded to add to: this attempt's


def test_an_empty_resume_over_an_old_attempt_json_keeps_what_it_recorded(registry, results_dir, monkeypatch):
    killed_before_run_json(registry, results_dir, monkeypatch)
    old = {"prompt_info": {"window": "0"}, "model_info": {"device": "cpu", "prompts": 7, "n_old": 1}}
    attempt_file(results_dir).write_text(json.dumps(old))
    result, _ = run(registry, results_dir, resume=True)
    assert result.model_info == old["model_info"] and dict(result.prompt_info) == old["prompt_info"]


def test_unreadable_counters_in_attempt_json_are_one_line_naming_the_file(registry, results_dir, monkeypatch):
    interrupted_after_first_batch(registry, results_dir, monkeypatch)
    path = attempt_file(results_dir)
    path.write_text(json.dumps({**json.loads(path.read_text()), "counters": {"prompts": "three"}}))
    with pytest.raises(DataError, match=r"attempt.json: unreadable counters \(Counted.prompts: expected a number"):
        run(registry, results_dir, resume=True)


def test_the_counts_a_killed_process_of_a_data_parallel_attempt_recorded_add_up_on_resume(registry, results_dir,
                                                                                         monkeypatch):
    interrupted_after_first_batch(registry, results_dir, monkeypatch)  # 3 answered and counted
    partial = attempt_file(results_dir).parent
    (partial / "rank-1").mkdir()
    for name in ("predictions.jsonl", ATTEMPT_FILE):  # as one process of two left them, killed
        (partial / name).rename(partial / "rank-1" / name)
    earlier = {"prompt_info": {}, "model_info": {"device": "old"}, "counters": {"prompts": 10, "sizes": ["size-9"]}}
    (partial / ATTEMPT_FILE).write_text(json.dumps(earlier))  # the attempts before that one
    result, folder = run(registry, results_dir, resume=True, batch_size=4)
    assert result.resumed_from == 3 and result.n == 7 and not (folder / "rank-1").exists()
    assert result.model_info == {"device": "cpu", "prompts": 10 + 3 + 4, "sizes": ["size-9", "size-3", "size-4"],
                                 "largest": 4}
