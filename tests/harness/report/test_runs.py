"""`harness.report.load_runs`: one tidy DataFrame row per run, equal to the run.json files."""

from __future__ import annotations

import json

import pytest

from harness.errors import ConfigError
from harness.report import load_runs
from harness.report.runs import COLUMNS
from harness.results.record import resolve
from tests.harness.report.fakeruns import predictions, write_run


@pytest.fixture
def results(tmp_path):
    write_run(tmp_path, "a-zero", predictions(1, 0.5), model="m", started="2026-01-01T00:00:01")
    write_run(tmp_path, "a-three", predictions(2, 0.6), model="m", prompt="k-shot", prompt_args={"k": "3"},
              model_args={"device": "cpu"})
    write_run(tmp_path, "b-old", predictions(3, 0.7), model="n", task="iemocap", store_ci=False)
    (tmp_path / ".hidden.partial").mkdir()  # an unfinished run is not loaded
    return tmp_path


def test_one_row_per_run_matching_run_json(results):
    frame = load_runs(results)
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 3
    for row in frame.to_dict("records"):
        run = json.loads((results / row["run_id"] / "run.json").read_text())
        spec, scores = run["spec"], run["scores"]
        assert (row["task"], row["split"], row["prompt"], row["model"], row["seed"]) == (
            spec["task"], spec["split"], spec["prompt"], spec["model"], spec["seed"])
        assert (row["n"], row["n_unparsed"]) == (run["n"], run["n_unparsed"])
        for metric in ("accuracy", "weighted_f1", "macro_f1"):
            assert row[metric] == scores[metric]
            if "ci" in scores:
                assert [row[f"{metric}_lo"], row[f"{metric}_hi"]] == scores["ci"][metric]
            else:
                assert row[f"{metric}_lo"] <= row[metric] <= row[f"{metric}_hi"]
    shots = dict(zip(frame["run_id"], frame["shots"]))
    assert shots["a-zero"] == 0 and shots["a-three"] == 3
    assert frame.set_index("run_id").loc["a-three", "model_options"] == "device=cpu"


def test_without_ci_old_runs_have_none(results):
    frame = load_runs(results, ci=False).set_index("run_id")
    assert frame.loc["b-old", "accuracy_lo"] is None or frame["accuracy_lo"].isna()["b-old"]
    assert frame.loc["a-zero", "accuracy_lo"] > 0


def test_empty_folder_gives_an_empty_frame(tmp_path):
    frame = load_runs(tmp_path / "nothing")
    assert frame.empty and list(frame.columns) == list(COLUMNS)


def test_resolve_by_path_id_or_unique_part(results):
    assert resolve(str(results / "b-old"), results).folder == results / "b-old"
    assert resolve("a-zero", results).folder == results / "a-zero"
    assert resolve("old", results).folder == results / "b-old"
    with pytest.raises(ConfigError, match="matches 2 runs"):
        resolve("a-", results)
