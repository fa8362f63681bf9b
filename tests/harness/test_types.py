"""Typed results: Prediction and RunResult survive a trip through JSON, and malformed records name file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness import metrics
from harness.errors import DataError
from harness.report.leaderboard import load_runs
from harness.results import store
from harness.types import Prediction, RunResult, RunSpec, frozen_mapping

OLD_RESULTS = Path(__file__).resolve().parent.parent / "fixtures" / "old_results"

texts = st.text(max_size=12)
predictions = st.builds(
    Prediction,
    example_id=texts,
    gold=texts,
    predicted=st.none() | texts,
    raw=st.none() | texts,
    fallback=st.booleans(),
    logprobs=st.none() | st.dictionaries(texts, st.floats(allow_nan=False, allow_infinity=False), max_size=3)
    .map(frozen_mapping),
    truncated_tokens=st.integers(0, 10_000),
    dialogue_id=st.none() | texts,
    extra=st.dictionaries(st.sampled_from(["note", "tokens", "x"]), st.integers() | texts, max_size=2)
    .map(frozen_mapping),
)


@given(predictions)
def test_a_prediction_survives_a_json_line(prediction):
    line = json.dumps(prediction.to_json())
    assert Prediction.from_line(line) == prediction


def test_optional_fields_are_written_only_when_set():
    plain = Prediction("a", "joy", None, "?")
    assert plain.to_json() == {"id": "a", "gold": "joy", "predicted": None, "raw": "?"}
    marked = Prediction("a", "joy", "joy", "x", fallback=True, truncated_tokens=3)
    assert marked.to_json()["fallback"] is True and marked.to_json()["truncated_tokens"] == 3


@pytest.mark.parametrize(
    "line, problem",
    [
        ('{"id": "a", "gold": "joy", "predicted": "joy"', "not valid JSON"),
        ('["a", "joy"]', "expected a JSON object, got list"),
        ('{"id": "a", "gold": "joy"}', "missing predicted, raw"),
        ('{"id": 3, "gold": "joy", "predicted": null, "raw": null}', "id must be a string"),
        ('{"id": "a", "gold": null, "predicted": null, "raw": null}', "gold must be a string"),
        ('{"id": "a", "gold": "joy", "predicted": 1, "raw": null}', "predicted must be a string or null"),
        ('{"id": "a", "gold": "joy", "predicted": null, "raw": null, "fallback": "yes"}', "fallback must be true"),
        ('{"id": "a", "gold": "joy", "predicted": null, "raw": null, "logprobs": {"joy": "x"}}', "logprobs must map"),
        ('{"id": "a", "gold": "joy", "predicted": null, "raw": null, "truncated_tokens": -1}', "truncated_tokens"),
        ('{"id": "a", "dialogue_id": 4, "gold": "joy", "predicted": null, "raw": null}', "dialogue_id must be a string or null"),
    ],
)
def test_a_bad_prediction_line_is_one_data_error_naming_file_and_line(line, problem):
    with pytest.raises(DataError, match=rf"^runs/predictions.jsonl:7: .*{problem}") as caught:
        Prediction.from_line(line, "runs/predictions.jsonl", 7)
    assert "\n" not in str(caught.value)


def test_read_predictions_names_the_bad_line(tmp_path):
    good = json.dumps(Prediction("a", "joy", "joy", "joy").to_json())
    (tmp_path / store.PREDICTIONS_FILE).write_text(f"{good}\n{good}\n{{\"id\": \"b\"}}\n")
    with pytest.raises(DataError, match=r"predictions.jsonl:3: bad prediction: missing gold"):
        store.read_predictions(tmp_path)


def test_resume_refuses_a_corrupt_complete_line(tmp_path):
    partial = store.PartialRun(tmp_path, RunSpec(task="t", prompt="p", model="m"))
    partial.start(resume=False)
    (partial.folder / store.PREDICTIONS_FILE).write_text('{"id": "a", "gold": 1, "predicted": null, "raw": null}\n')
    with pytest.raises(DataError, match=r"predictions.jsonl:1: bad prediction: gold must be a string"):
        partial.done_predictions()


def make_result(**changes) -> RunResult:
    fields = dict(
        run_id="r1", spec=RunSpec(task="sample", prompt="zero-shot", model="majority"),
        scores=frozen_mapping({"accuracy": 0.5, "weighted_f1": 0.4}), n=10, n_unparsed=1,
        plugins=frozen_mapping({}), task_info=frozen_mapping({"files": {}}), started="2026-01-01T00:00:00",
        duration_s=1.5, n_fallback=2, n_truncated=3, n_with_description=4, resumed_from=5,
        answer_mode="generate", prompt_info=frozen_mapping({"window": "5"}), model_info=frozen_mapping({}),
    )
    fields.update(changes)
    return RunResult(**fields)


def test_a_run_result_survives_run_json():
    result = make_result()
    data = json.loads(json.dumps(result.to_json()))
    assert data["n_fallback"] == 2 and "extra" not in data
    assert RunResult.from_json(data) == result


def test_the_older_run_json_shape_still_loads():
    folder = next(OLD_RESULTS.iterdir())
    result = store.load_result(folder)
    assert "extra" in json.loads((folder / store.RUN_FILE).read_text())  # the fixture is the old shape
    assert (result.n, result.n_unparsed, result.n_fallback, result.resumed_from) == (6, 0, 0, 0)
    assert result.answer_mode == "generate" and result.prompt_info["window"] == "5"
    assert result.spec.model == "majority"
    predictions = store.read_predictions(folder)
    assert len(predictions) == result.n and all(p.predicted == "neutral" for p in predictions)
    assert sum(p.gold == p.predicted for p in predictions) / result.n == result.scores["accuracy"]


def test_old_and_new_runs_share_one_leaderboard(tmp_path):
    old = next(OLD_RESULTS.iterdir())
    (tmp_path / old.name).mkdir()
    for name in (store.RUN_FILE, store.PREDICTIONS_FILE):
        (tmp_path / old.name / name).write_bytes((old / name).read_bytes())
    # The new run's scores follow from its predictions (the leaderboard leaves out any that do not).
    rows = [Prediction(f"x{i}", "joy", answer, answer) for i, answer in enumerate(["joy"] * 5 + ["anger"] * 4 + [None])]
    scores = frozen_mapping(metrics.score_predictions(rows, ["joy", "anger"]))
    new = make_result(run_id="new", spec=RunSpec(task="sample", prompt="zero-shot", model="tfidf-lr"), scores=scores)
    store.write_json_atomic(tmp_path / "new" / store.RUN_FILE, new.to_json())
    lines = [json.dumps(row.to_json()) + "\n" for row in rows]
    (tmp_path / "new" / store.PREDICTIONS_FILE).write_text("".join(lines))
    runs = load_runs(tmp_path).set_index("model")
    assert runs.loc["majority", "n"] == 6 and runs.loc["tfidf-lr", "unparsed"] == 1


def test_old_runs_take_the_truncation_count_from_the_model_info():
    data = make_result().to_json()
    del data["n_truncated"]
    data["model_info"] = {"n_truncated": 9}
    assert RunResult.from_json(data).n_truncated == 9


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda d: d.pop("scores"), "not a finished run: missing scores"),
        (lambda d: d.update(n=-1), "n must be a whole number >= 0"),
        (lambda d: d.update(n_fallback="2"), "n_fallback must be a whole number"),
        (lambda d: d["spec"].update(colour="red"), "spec is not a run spec"),
        (lambda d: d.update(scores=[0.5]), "scores must be a JSON object"),
        (lambda d: d["scores"].pop("weighted_f1"), "scores.weighted_f1 must be a number, got None"),
    ],
)
def test_a_malformed_run_json_is_one_data_error(change, problem):
    data = make_result().to_json()
    change(data)
    with pytest.raises(DataError, match=rf"^results/r1/run.json: {problem}"):
        RunResult.from_json(data, "results/r1/run.json")
