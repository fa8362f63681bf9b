"""Older run.json shapes are upgraded to today's in one place; today's shape passes through unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from harness.results import compat
from harness.types import RunResult, RunSpec, frozen_mapping

OLD_RESULTS = Path(__file__).resolve().parents[2] / "fixtures" / "old_results"


def today(**changes) -> dict:
    result = RunResult(
        run_id="r1", spec=RunSpec(task="sample", prompt="zero-shot", model="majority"),
        scores=frozen_mapping({"accuracy": 0.5, "weighted_f1": 0.4}), n=10, n_unparsed=1, plugins=frozen_mapping({}),
        task_info=frozen_mapping({"files": {}}), started="2026-01-01T00:00:00", duration_s=1.5, n_fallback=2,
        n_truncated=3, answer_mode="generate", prompt_info=frozen_mapping({"window": "5"}),
    )
    return {**json.loads(json.dumps(result.to_json())), **changes}


def test_the_extra_bag_is_flattened_and_the_top_level_wins():
    data = {k: v for k, v in today().items() if k not in ("answer_mode", "prompt_info", "n_fallback")}
    old = {**data, "extra": {"answer_mode": "generate", "prompt_info": {"window": "5"}, "n_fallback": 2, "n": 99}}
    assert compat.upgrade(old) == today()


def test_older_runs_take_the_truncation_count_from_the_model_info():
    data = today(model_info={"n_truncated": 9})
    del data["n_truncated"]
    upgraded = compat.upgrade(data)
    assert upgraded["n_truncated"] == 9 and RunResult.from_json(upgraded).n_truncated == 9
    del data["model_info"]
    assert compat.upgrade(data)["n_truncated"] == 0


def test_a_missing_duration_reads_as_zero():
    data = today()
    del data["duration_s"]
    assert RunResult.from_json(compat.upgrade(data)).duration_s == 0.0


def test_the_fixture_of_the_old_shape_upgrades_to_a_run_result():
    [folder] = OLD_RESULTS.iterdir()
    data = json.loads((folder / "run.json").read_text())
    assert "extra" in data  # the fixture is the old shape
    result = RunResult.from_json(compat.upgrade(data))
    assert (result.n, result.n_fallback, result.answer_mode) == (6, 0, "generate")
    assert result.prompt_info["window"] == "5"


def test_what_is_not_an_object_is_left_for_the_reader_to_refuse():
    assert compat.upgrade([1, 2]) == [1, 2] and compat.upgrade(None) is None


@given(st.dictionaries(st.sampled_from(["n_fallback", "resumed_from", "processes", "sequence"]),
                       st.integers(0, 10**6)),
       st.none() | st.text(max_size=8))
def test_todays_shape_comes_back_unchanged(counts, rescored_from):
    data = today(**counts, **({"rescored_from": rescored_from} if rescored_from is not None else {}))
    assert compat.upgrade(data) == data
