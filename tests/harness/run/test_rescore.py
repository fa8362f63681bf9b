"""`ercbench rescore`: a generate-mode run's stored answers re-read by another parser, without the model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.context import RunContext
from harness.discovery import default_registry
from harness.errors import ConfigError
from harness.results.record import read_finished
from harness.run.rescore import rescore


def folders(results: Path) -> list[Path]:
    return sorted(p for p in results.iterdir() if not p.name.startswith("."))


def run_json(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


@pytest.fixture
def strict_run(results_dir) -> Path:
    result = CliRunner().invoke(main, ["run", "-t", "sample", "-m", "majority", "--results-dir", str(results_dir)])
    assert result.exit_code == 0, result.output
    return folders(results_dir)[0]


def test_a_rescored_run_is_its_own_run_naming_its_source_and_loads_no_model(strict_run, results_dir, monkeypatch):
    model = default_registry().get("models", "majority").cls

    def no_model(self, *args):
        raise AssertionError("rescoring loaded the model")

    monkeypatch.setattr(model, "prepare", no_model)
    monkeypatch.setattr(model, "predict", no_model)
    result = CliRunner().invoke(main, ["rescore", strict_run.name, "--parser", "lenient",
                                       "--results-dir", str(results_dir)])
    assert result.exit_code == 0, result.output
    [new] = [folder for folder in folders(results_dir) if folder != strict_run]
    source, run = run_json(strict_run), run_json(new)
    assert run["rescored_from"] == source["run_id"] and run["spec"]["parser"] == "lenient"
    assert run["input_key"] != source["input_key"] and run["timing"]["model_s"] == 0
    assert {k: v for k, v in run["spec"].items() if k != "parser"} == \
           {k: v for k, v in source["spec"].items() if k != "parser"}
    assert "rescored_from" not in source  # other runs' run.json is as before
    check = CliRunner().invoke(main, ["results", "check", "--results-dir", str(results_dir)])
    assert check.exit_code == 0, check.output
    again = CliRunner().invoke(main, ["rescore", strict_run.name, "--parser", "lenient",
                                      "--results-dir", str(results_dir)])
    assert again.exit_code == 0 and len(folders(results_dir)) == 2  # reused, not written twice


def test_rescoring_gives_what_running_the_model_with_that_parser_gives(strict_run, results_dir):
    rescored, folder = rescore(read_finished(strict_run), "lenient", RunContext(default_registry()), results_dir)
    reused = CliRunner().invoke(main, ["run", "-t", "sample", "-m", "majority", "--parser", "lenient",
                                       "--results-dir", str(results_dir)])
    assert reused.exit_code == 0 and folder.name in reused.output  # the same run key: reused
    forced = CliRunner().invoke(main, ["run", "-t", "sample", "-m", "majority", "--parser", "lenient", "--force",
                                       "--results-dir", str(results_dir)])
    assert forced.exit_code == 0, forced.output
    fresh = max(folders(results_dir), key=lambda f: run_json(f)["started"])
    assert run_json(fresh)["scores"] == run_json(folder)["scores"]
    assert (fresh / "predictions.jsonl").read_text() == (folder / "predictions.jsonl").read_text()


def test_a_score_mode_run_or_the_same_parser_is_refused(strict_run, results_dir):
    with pytest.raises(ConfigError, match="already used parser strict"):
        rescore(read_finished(strict_run), "strict", RunContext(default_registry()), results_dir)
    run = run_json(strict_run)
    run["answer_mode"] = "score"
    (strict_run / "run.json").write_text(json.dumps(run), encoding="utf-8")
    with pytest.raises(ConfigError, match="scored each label .* another parser changes nothing"):
        rescore(read_finished(strict_run), "lenient", RunContext(default_registry()), results_dir)
