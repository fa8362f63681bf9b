"""Every name that becomes a path is one safe component: no escape from --results-dir, no collisions."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.context import RunContext
from harness.errors import ConfigError
from harness.results.names import child, safe_name
from harness.run import pipeline
from harness.sdk.testing import registry_with
from harness.types import RunSpec, frozen_mapping

HOSTILE = ["../", "../../etc/passwd", "a/b", "/abs", "x\x00y", "é" * 300, "名字", "..", ".", "", "a\\b", "-rf"]
ROLE = ["task", "split", "prompt", "model"]


@given(st.text())
def test_any_text_becomes_one_safe_component(text):
    name = safe_name(text)
    assert name not in {"", ".", ".."} and not name.startswith(".")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert name.isascii() and len(name.encode()) <= 47
    assert safe_name(name) == name


@given(st.text(), st.text())
def test_different_names_stay_different(a, b):
    if a != b:
        assert safe_name(a) != safe_name(b)


@pytest.mark.parametrize("role", ROLE)
@pytest.mark.parametrize("hostile", HOSTILE)
def test_run_id_parts_are_safe_for_every_role(role, hostile, tmp_path):
    fields = {"task": "t", "split": "test", "prompt": "p", "model": "m"}
    fields[role] = hostile
    run_id = pipeline.make_run_id(RunSpec(**fields), datetime.now(timezone.utc))
    assert child(tmp_path, run_id).parent == tmp_path
    assert len(run_id.encode()) < 255 and run_id.isascii()


@pytest.mark.parametrize("name", ["../x", "a/b", "x\x00", "..", "", "é"])
def test_child_refuses_unsafe_run_ids(name, tmp_path):
    with pytest.raises(ConfigError, match="unsafe file name"):
        child(tmp_path, name)


@pytest.mark.parametrize("split", ["../../outside", "/tmp/abs", "a/b", "x\x00y", "é" * 200, "名字"])
def test_a_hostile_split_from_a_jsonl_file_stays_inside_results(split, tmp_path):
    data = tmp_path / "d.jsonl"
    rows = [{"split": s, "dialogue_id": 1, "utt_index": i, "speaker": "A", "text": "hi", "label": "joy"}
            for s in ("train", split) for i in range(2)]
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    results = tmp_path / "deep" / "results"
    spec = RunSpec(task="jsonl", prompt="zero-shot", model="echo-gold", split=split,
                   task_args=frozen_mapping({"path": str(data)}))
    result, folder = pipeline.run(spec, RunContext(registry_with()), results_dir=results)
    assert folder.parent == results and result.n == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.jsonl", "deep"]
