"""Atomic writes and torn-line handling in results/."""

from __future__ import annotations

import json

import pytest

from harness.results import store as results
from harness.results.record import read_finished
from harness.types import Prediction, RunSpec


def test_atomic_write_leaves_old_file_when_serialisation_fails(tmp_path):
    target = tmp_path / "run.json"
    results.write_json_atomic(target, {"ok": 1})
    with pytest.raises(TypeError):
        results.write_json_atomic(target, {"bad": object()})
    assert json.loads(target.read_text()) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_torn_last_line_is_redone_on_resume(tmp_path):
    partial = results.PartialRun(tmp_path, RunSpec(task="t", prompt="p", model="m"))
    partial.start(resume=False)
    partial.append([Prediction("a", "joy", "joy", "joy")])
    with open(partial.folder / results.PREDICTIONS_FILE, "a") as handle:
        handle.write('{"id": "b", "gol')
    assert list(partial.done_predictions()) == ["a"]
    partial.start(resume=True)
    partial.append([Prediction("b", "joy", None, "?")])
    assert list(partial.done_predictions()) == ["a", "b"]


def test_spec_key_changes_with_any_field():
    base = RunSpec(task="t", prompt="p", model="m")
    assert results.spec_key(base) == results.spec_key(RunSpec(task="t", prompt="p", model="m"))
    assert results.spec_key(base) != results.spec_key(RunSpec(task="t", prompt="p", model="m", seed=1))


def test_bad_run_json_names_file_and_line(tmp_path):
    folder = tmp_path / "run1"
    folder.mkdir()
    (folder / results.RUN_FILE).write_text('{\n  "a": \n')
    with pytest.raises(Exception, match=r"run1/run.json:\d+: not valid JSON"):
        read_finished(folder)


def test_spec_key_changes_with_the_ercbench_version(monkeypatch):
    spec = RunSpec(task="t", prompt="p", model="m")
    before = results.spec_key(spec)
    monkeypatch.setattr(results, "harness_version", lambda: "99.0")
    assert results.spec_key(spec) != before
