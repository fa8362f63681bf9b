"""Typed results: Prediction and RunResult survive a trip through JSON, and malformed records name file and line."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.errors import DataError
from harness.results import store
from harness.types import Prediction, RunResult, RunSpec, frozen_mapping

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
        ('{"id": "a", "dialogue_id": 4, "gold": "joy", "predicted": null, "raw": null}',
         "dialogue_id must be a string or null"),
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
