"""A third-party plugin installed by tox (env `specimen`) is listed with its own distribution and runs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.results.record import read_finished
from harness.results.store import RUN_FILE

pytest.importorskip("ercbench_specimen", reason="installed only in the tox env 'specimen'")


def test_specimen_is_listed_with_its_distribution():
    result = CliRunner().invoke(main, ["plugins"], terminal_width=200)
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if "specimen-task" in line)
    assert "ercbench-specimen" in line and "0.3.1" in line


def test_specimen_runs_through_the_pipeline(tmp_path):
    args = ["run", "-t", "specimen-task", "-m", "first-choice", "--results-dir", str(tmp_path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    [folder] = [path for path in tmp_path.iterdir() if (path / RUN_FILE).is_file()]
    finished = read_finished(folder)
    run, predictions = finished.result, finished.predictions()
    assert run.n == len(predictions) == 7 and run.plugins["model"]["distribution"] == "ercbench-specimen"
    [answer] = {prediction.predicted for prediction in predictions}  # always the first choice's label
    assert run.scores["accuracy"] == sum(prediction.gold == answer for prediction in predictions) / 7


def test_the_specimens_command_prompt_and_trainer_are_installed_too():
    runner = CliRunner()
    listed = runner.invoke(main, ["plugins"], terminal_width=200).output
    assert all(name in listed for name in ("specimen-hello", "specimen-bare", "specimen-count"))
    result = runner.invoke(main, ["specimen-hello", "--name", "tox"])
    assert result.exit_code == 0 and result.output == "hello tox from the specimen plugin\n"
