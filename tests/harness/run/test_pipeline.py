"""The pipeline end to end on the in-memory task: scores, files, resume, interruption."""

from __future__ import annotations

import json

import pytest

from harness.context import RunContext
from harness.errors import ConfigError
from harness.interfaces import Model
from harness.results.store import PREDICTIONS_FILE, RUN_FILE, PartialRun, read_predictions
from harness.run import pipeline
from harness.sdk.testing import TinyTask, registry_with
from harness.types import Completion, RunSpec, frozen_mapping
from tests.harness.run.interrupts import interrupt_second_batch


@pytest.fixture(scope="module")
def registry():
    return registry_with()


def spec(**changes):
    fields = dict(task="tiny", prompt="zero-shot", model="echo-gold")
    fields.update(changes)
    return RunSpec(**fields)


def test_perfect_model_scores_one(registry, results_dir):
    result, folder = pipeline.run(spec(), RunContext(registry), results_dir=results_dir)
    assert result.n == 7 and result.n_unparsed == 0
    assert result.scores["accuracy"] == 1.0 and result.scores["weighted_f1"] == 1.0
    run = json.loads((folder / RUN_FILE).read_text())
    assert run["spec"]["task"] == "tiny" and run["plugins"]["model"]["distribution"] == "ercbench-testing"
    lines = (folder / PREDICTIONS_FILE).read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines][:2] == ["test/d0/0", "test/d0/1"]


def test_unparseable_answers_are_counted_not_dropped(registry, results_dir):
    result, folder = pipeline.run(
        spec(model="fixed-text", model_args=frozen_mapping({"text": "banana"})), RunContext(registry),
        results_dir=results_dir,
    )
    assert result.n == 7 and result.n_unparsed == 7 and result.scores["accuracy"] == 0.0
    rows = read_predictions(folder)
    assert len(rows) == 7 and all(row.predicted is None and row.raw == "banana" for row in rows)


def test_limit_takes_the_first_examples(registry, results_dir):
    result, folder = pipeline.run(spec(limit=2), RunContext(registry), results_dir=results_dir)
    first_two = [example.example_id for example in TinyTask().examples(result.spec.split)[:2]]
    assert result.n == 2 and [p.example_id for p in read_predictions(folder)] == first_two


@pytest.mark.parametrize("limit", [0, -3])
def test_non_positive_limit_is_refused(registry, results_dir, limit):
    with pytest.raises(ConfigError, match="--limit must be a positive number"):
        pipeline.run(spec(limit=limit), RunContext(registry), results_dir=results_dir)


@pytest.mark.parametrize("field", ["split", "model", "prompt_args"])
def test_a_name_that_is_not_text_is_one_line_and_leaves_nothing(registry, results_dir, field):
    value = {"split": "te\udcffst", "model": "echo-gold:\udcff", "prompt_args": frozen_mapping({"x": "\udcff"})}
    with pytest.raises(ConfigError, match=f"the run's {field} .* is not valid text"):
        pipeline.run(spec(**{field: value[field]}), RunContext(registry), results_dir=results_dir)
    assert not results_dir.exists() or not list(results_dir.iterdir())


def test_a_partial_folder_that_cannot_be_started_is_not_left_empty(results_dir):
    partial = PartialRun(results_dir, spec())
    with pytest.raises(UnicodeEncodeError):
        partial.start(False, {"data": {"\udcff": "x"}})
    assert not partial.folder.exists()


def test_unknown_split_is_refused(registry, results_dir):
    with pytest.raises(ConfigError, match="no split 'dev'"):
        pipeline.run(spec(split="dev"), RunContext(registry), results_dir=results_dir)


def test_interrupted_run_leaves_no_result_and_resumes(registry, results_dir, monkeypatch):
    interrupt_second_batch(monkeypatch, registry.get("models", "echo-gold").cls)
    with pytest.raises(KeyboardInterrupt):
        pipeline.run(spec(), RunContext(registry), results_dir=results_dir, batch_size=3)
    visible = [p for p in results_dir.iterdir() if not p.name.startswith(".")]
    assert visible == []
    partial = PartialRun(results_dir, spec())
    assert len(partial.done_predictions()) == 3

    result, _ = pipeline.run(spec(), RunContext(registry), results_dir=results_dir, batch_size=3, resume=True)
    assert result.n == 7 and result.resumed_from == 3 and result.scores["accuracy"] == 1.0


def test_model_ref_target_becomes_an_option():
    assert pipeline.split_ref("hf:/models/x") == ("hf", "/models/x")
    assert pipeline.split_ref("majority") == ("majority", None)


def test_a_run_failing_before_any_prediction_leaves_no_folder(registry, results_dir, monkeypatch):
    def broken(self, task, seed):
        raise ConfigError("weights missing")

    monkeypatch.setattr(registry.get("models", "echo-gold").cls, "prepare", broken)
    with pytest.raises(ConfigError, match="weights missing"):
        pipeline.run(spec(), RunContext(registry), results_dir=results_dir)
    assert list(results_dir.iterdir()) == []


class ContextRecorder(Model):
    """Echoes gold and keeps the context its prepare got."""

    name = "context-recorder"
    seen: list = []

    def prepare(self, task, context) -> None:
        ContextRecorder.seen.append(context)

    def predict(self, prompts):
        return [Completion(p.example.example_id, text=p.choices[0]) for p in prompts]


@pytest.mark.parametrize("use_cache", [True, False])
def test_prepare_gets_the_runs_context_with_its_seed_and_cache(tmp_path, use_cache, monkeypatch):
    from harness.run.cache import CACHE_ENV, cache_root

    monkeypatch.delenv(CACHE_ENV, raising=False)
    registry = registry_with([("tasks", TinyTask), ("models", ContextRecorder)])
    ContextRecorder.seen.clear()
    given = RunContext(registry, data_dir=tmp_path / "data")
    pipeline.run(spec(model="context-recorder", seed=7), given, results_dir=tmp_path / "results", use_cache=use_cache)
    [seen] = ContextRecorder.seen
    assert seen.registry is registry and seen.data_dir == tmp_path / "data" and seen.seed == 7
    assert seen.cache_dir == (cache_root(tmp_path / "results") if use_cache else None)
    assert given.seed == 0 and given.cache_dir is None  # the caller's context is not changed
