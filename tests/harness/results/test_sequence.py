"""The per-folder run sequence: numbers in the order runs finish, and warnings for runs stamped by a wrong clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from harness.context import RunContext
from harness.errors import DataError
from harness.results.record import FinishedRun, iter_finished, read_finished
from harness.results.sequence import SEQUENCE_FILE, clock_warnings, next_sequence, sequence_lock
from harness.run import pipeline
from harness.sdk.testing import registry_with
from harness.types import RunResult, RunSpec
from tests.harness.report.fakeruns import predictions, write_run

NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)


def test_runs_are_numbered_in_the_order_they_finish_and_a_lost_counter_is_rebuilt(tmp_path):
    spec = RunSpec(task="tiny", prompt="zero-shot", model="echo-gold")
    first = pipeline.run(spec, RunContext(registry_with()), results_dir=tmp_path)
    second = pipeline.run(spec, RunContext(registry_with()), results_dir=tmp_path, force=True)
    assert [result.sequence for result, _ in (first, second)] == [1, 2]
    assert [read_finished(folder).result.sequence for _, folder in (first, second)] == [1, 2]
    (tmp_path / SEQUENCE_FILE).unlink()
    with sequence_lock(tmp_path):
        assert next_sequence(tmp_path) == 3
    assert not list(tmp_path.glob(".*.lock"))


def test_a_run_json_without_a_sequence_still_loads_and_a_bad_one_is_one_line(tmp_path):
    folder = write_run(tmp_path, "old", predictions(0, 0.5))
    assert read_finished(folder).result.sequence is None
    run = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps({**run, "sequence": "2"}))
    with pytest.raises(DataError, match="sequence must be a whole number >= 1, got '2'"):
        read_finished(folder)


def run(started: datetime, sequence: int | None, duration_s: float = 60.0) -> FinishedRun:
    result = RunResult("r", RunSpec("t", "p", "m"), {}, 0, 0, {}, {}, started.isoformat(), duration_s,
                       sequence=sequence)
    return FinishedRun(result, Path(f"results/{sequence}"))


def test_a_run_stamped_in_the_future_gets_one_warning_line():
    [line] = clock_warnings([run(NOW + timedelta(days=1), 1), run(NOW, None)], now=NOW)
    assert line.startswith("results/1: started 2026-06-02T12:00:00+00:00, in the future;")


def test_a_run_whose_clock_disagrees_with_the_sequence_is_named_once():
    runs = [run(NOW - timedelta(hours=20), 1), run(NOW - timedelta(days=1), 2), run(NOW - timedelta(hours=30), 3)]
    lines = clock_warnings(runs, now=NOW)
    assert [line.split(":")[0] for line in lines] == ["results/1", "results/2"]
    assert "finished after runs numbered after it (sequence 1)" in lines[0]


def test_runs_that_overlap_in_time_are_not_taken_for_a_wrong_clock():
    long_one = run(NOW - timedelta(hours=3), 2, duration_s=3 * 3600)  # started first, finished last
    short_one = run(NOW - timedelta(hours=2), 1, duration_s=600)
    assert clock_warnings([short_one, long_one], now=NOW) == []


def test_reading_the_runs_reports_a_skewed_clock_once(tmp_path):
    write_run(tmp_path, "ahead", predictions(0, 0.5), started=(datetime.now(timezone.utc) + timedelta(days=1))
              .isoformat())
    said = []
    assert len(list(iter_finished(tmp_path, on_bad=said.append))) == 1
    [line] = said
    assert line.startswith(f"{tmp_path / 'ahead'}: started ") and "in the future" in line
