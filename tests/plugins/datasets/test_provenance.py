"""run.json records variant, format and files (sha256); the leaderboard keeps variants in separate columns."""

from __future__ import annotations

import json
from pathlib import Path

from harness.context import RunContext
from harness.data.files import sha256_file
from harness.discovery import default_registry
from harness.report.leaderboard import load_runs, pivot
from harness.run.pipeline import run
from harness.types import RunSpec, frozen_mapping


def run_on(task, data_root, results, **task_args):
    spec = RunSpec(task=task, prompt="zero-shot", model="majority", split="test", limit=20,
                   task_args=frozen_mapping(task_args))
    _, folder = run(spec, RunContext(default_registry(), data_dir=data_root), results_dir=results)
    return json.loads((folder / "run.json").read_text())


def test_run_json_names_variant_format_and_files(data_root, tmp_path):
    saved = run_on("emorynlp", data_root, tmp_path)
    info = saved["task_info"]
    assert info["variant"] == "full"
    assert info["format"]["test"] == "emorynlp-json" and info["format"]["train"] == "tsv"  # majority reads train
    for path, sha in info["files"].items():
        assert sha256_file(Path(path)) == sha


def test_leaderboard_keeps_variants_apart(data_root, tmp_path):
    run_on("emorynlp", data_root, tmp_path)
    run_on("emorynlp-mm", data_root, tmp_path)
    run_on("iemocap", data_root, tmp_path, format="tsv")
    table = pivot(load_runs(tmp_path))
    tasks = {column[0] for column in table.columns if column[0] != "all"}
    assert {t.split(" ")[0] for t in tasks} == {"emorynlp:test", "emorynlp-mm:test", "iemocap:test[format=tsv]"}
