"""The one reader: a finished run folder -> FinishedRun, validated once, old shapes too, bad ones in one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness import metrics
from harness.context import RunContext
from harness.discovery import default_registry
from harness.errors import ConfigError, DataError
from harness.report.leaderboard import load_runs
from harness.results import store
from harness.results.record import FinishedRun, find_finished, iter_finished, read_finished, resolve
from harness.run import pipeline
from harness.types import Prediction, RunSpec, frozen_mapping
from tests.harness.results.test_compat import today

OLD_RESULTS = Path(__file__).resolve().parents[2] / "fixtures" / "old_results"


def old_copy(root: Path) -> Path:
    [old] = OLD_RESULTS.iterdir()
    return Path(shutil.copytree(old, root / old.name))


def test_the_older_run_json_shape_reads_as_a_finished_run(tmp_path):
    run = read_finished(old_copy(tmp_path))
    result = run.result
    assert (result.n, result.n_unparsed, result.n_fallback, result.resumed_from) == (6, 0, 0, 0)
    assert result.answer_mode == "generate" and result.prompt_info["window"] == "5" and run.digest is None
    predictions = run.predictions()
    assert len(predictions) == result.n and all(p.predicted == "neutral" for p in predictions)
    assert sum(p.gold == p.predicted for p in predictions) / result.n == result.score("accuracy")
    assert result.labels[0] == "neutral" and result.label_f1("neutral") == result.per_label_f1()["neutral"]


def test_a_run_of_today_reads_back_with_its_digest_and_typed_scores(tmp_path):
    spec = RunSpec(task="sample", prompt="zero-shot", model="majority")
    written, folder = pipeline.run(spec, RunContext(default_registry()), results_dir=tmp_path)
    run = read_finished(folder)
    assert run == FinishedRun(written, folder, run.digest) and run.digest.startswith("sha256:")
    assert run.spec == spec and run.run_id == written.run_id
    low, high = run.result.interval("weighted_f1")
    assert low <= run.result.score("weighted_f1") <= high and run.result.score("no such metric") is None
    assert set(run.result.counts()) >= {"n", "n_unparsed", "n_truncated", "timing"}
    assert run.predictions() is run.predictions()  # read once
    assert find_finished(tmp_path, spec, written.input_key) == run
    assert find_finished(tmp_path, RunSpec(task="sample", prompt="zero-shot", model="tfidf-lr"),
                         written.input_key) is None


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda d: d.pop("scores"), "missing or malformed field(s) scores"),
        (lambda d: d.update(run_id=3), "missing or malformed field(s) run_id"),
        (lambda d: d["spec"].update(task=None), "missing or malformed field(s) task"),
        (lambda d: d.update(n=-1), "n must be a whole number >= 0"),
        (lambda d: d.update(n_fallback="2"), "n_fallback must be a whole number"),
        (lambda d: d["spec"].update(colour="red"), "spec is not a run spec"),
        (lambda d: d.update(plugins=[0.5]), "plugins must be a JSON object"),
        (lambda d: d["scores"].update(weighted_f1=True), "scores.weighted_f1 must be a number, got True"),
        (lambda d: d.update(sequence=0), "sequence must be a whole number >= 1"),
    ],
)
def test_a_malformed_run_json_is_one_data_error_naming_the_file(tmp_path, change, problem):
    data = today()
    change(data)
    (tmp_path / "r1").mkdir()
    (tmp_path / "r1" / "run.json").write_text(json.dumps(data))
    with pytest.raises(DataError) as caught:
        read_finished(tmp_path / "r1")
    assert str(caught.value).startswith(f"{tmp_path / 'r1' / 'run.json'}: {problem}")
    assert "\n" not in str(caught.value)


def test_not_an_object_and_not_json_are_one_line_each(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "run.json").write_text("[1]")
    with pytest.raises(DataError, match=r"a/run.json: holds list, not a run record$"):
        read_finished(tmp_path / "a")
    (tmp_path / "a" / "run.json").write_text('{\n  "n": \n')
    with pytest.raises(DataError, match=r"a/run.json:\d+: not valid JSON"):
        read_finished(tmp_path / "a")


def test_iter_finished_skips_a_bad_folder_with_one_warning_and_keeps_the_good(tmp_path):
    good = old_copy(tmp_path)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "run.json").write_text(json.dumps(today(n="x")))
    short = Path(shutil.copytree(good, tmp_path / "short"))
    (short / store.PREDICTIONS_FILE).write_text("")
    said = []
    assert [run.folder for run in iter_finished(tmp_path, on_bad=said.append)] == [good]
    assert len(said) == 2 and "bad/run.json" in said[0] and "not 6 whole lines" in said[1]
    assert list(iter_finished(tmp_path / "none")) == []


def test_resolve_names_a_run_by_folder_id_or_a_unique_part(tmp_path):
    old = old_copy(tmp_path)
    assert resolve(str(old), tmp_path).folder == old == resolve("majority", tmp_path).folder
    with pytest.raises(ConfigError, match="no finished run 'nothing'"):
        resolve("nothing", tmp_path)


def test_old_and_new_runs_share_one_leaderboard(tmp_path):
    old_copy(tmp_path)
    # The new run's scores follow from its predictions (the leaderboard leaves out any that do not).
    rows = [Prediction(f"x{i}", "joy", answer, answer) for i, answer in enumerate(["joy"] * 5 + ["anger"] * 4 + [None])]
    scores = metrics.score_predictions(rows, ["joy", "anger"])
    new = today(run_id="new", spec={**today()["spec"], "model": "tfidf-lr"}, scores=scores, n=10, n_unparsed=1)
    store.write_json_atomic(tmp_path / "new" / store.RUN_FILE, new)
    (tmp_path / "new" / store.PREDICTIONS_FILE).write_text("".join(json.dumps(r.to_json()) + "\n" for r in rows))
    runs = load_runs(tmp_path).set_index("model")
    assert runs.loc["majority", "n"] == 6 and runs.loc["tfidf-lr", "unparsed"] == 1
    assert frozen_mapping(scores) == read_finished(tmp_path / "new").result.scores
