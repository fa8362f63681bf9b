"""`ercbench data stats|fetch` through click: counts as JSON and as a table, copies from a mirror, one-line errors."""

from __future__ import annotations

import json

from click.testing import CliRunner

from harness.cli.data import data
from harness.data.files import sha256_file
from plugins.datasets.meld import REMOTE_FILES


def invoke(*args):
    return CliRunner().invoke(data, list(args), catch_exceptions=False)


def test_stats_json_gives_counts_and_provenance(data_root):
    result = invoke("stats", "emorynlp-mm", "--data-dir", str(data_root), "--format", "json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert {s: (v["utterances"], v["dialogues"]) for s, v in stats["splits"].items()} == {
        "train": (7551, 659), "dev": (954, 89), "test": (984, 79)}
    assert stats["info"]["variant"] == "multimodal-subset"


def test_stats_table_with_task_options(data_root):
    result = invoke("stats", "iemocap", "--data-dir", str(data_root), "--task-opt", "format=tsv")
    assert result.exit_code == 0, result.output
    assert "5163" in result.output and "1623" in result.output and "variant 6-class" in result.output


def test_errors_are_one_line(data_root):
    result = CliRunner().invoke(data, ["stats", "emorynlpp", "--data-dir", str(data_root)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert "did you mean emorynlp" in result.output
    bad_option = CliRunner().invoke(data, ["stats", "meld", "--data-dir", str(data_root), "--task-opt", "nokey"])
    assert bad_option.exit_code == 2 and "expected KEY=VALUE" in bad_option.output


def test_fetch_from_a_local_mirror_checks_every_file(data_root, tmp_path):
    result = invoke("fetch", "meld", "--from", str(data_root), "--dest", str(tmp_path))
    assert result.exit_code == 0, result.output
    for relative, (url, sha) in REMOTE_FILES.items():
        assert sha256_file(tmp_path / relative) == sha
        assert url.startswith("https://raw.githubusercontent.com/declare-lab/MELD/")
    again = invoke("fetch", "meld", "--from", str(data_root), "--dest", str(tmp_path))
    assert again.output.count("present") == 3


def test_fetch_emorynlp_from_mirror_then_stats(data_root, tmp_path):
    assert invoke("fetch", "emorynlp", "--from", str(data_root), "--dest", str(tmp_path)).exit_code == 0
    stats = json.loads(invoke("stats", "emorynlp", "--data-dir", str(tmp_path), "--format", "json").output)
    assert stats["splits"]["train"]["utterances"] == 9934


def test_fetch_off_a_terminal_draws_no_bars(data_root, tmp_path):
    result = CliRunner().invoke(data, ["fetch", "meld", "--from", str(data_root), "--dest", str(tmp_path)])
    assert result.exit_code == 0 and result.stderr == ""  # a log file gets the file list, not bar frames
    assert [line.split()[0] for line in result.stdout.splitlines()[1:4]] == ["copied"] * 3


def test_fetch_from_the_dataset_folder_itself_works_for_every_dataset(data_root, tmp_path):
    for name, folder in (("meld", "meld"), ("emorynlp", "emorynlp")):
        result = invoke("fetch", name, "--from", str(data_root / folder), "--dest", str(tmp_path))
        assert result.exit_code == 0, result.output
    assert sha256_file(tmp_path / "emorynlp" / "official" / "emotion-detection-tst.json") == sha256_file(
        data_root / "emorynlp" / "official" / "emotion-detection-tst.json")


def test_fetch_of_an_unknown_or_fileless_task_lists_only_fetchable_tasks():
    for name in ("foo", "sample"):
        result = CliRunner().invoke(data, ["fetch", name])
        line = result.output.strip()
        assert result.exit_code == 1 and "\n" not in line and "fetchable: " in line
        fetchable = line.split("fetchable: ")[1]
        assert "meld" in fetchable and "emorynlp" in fetchable and "sample" not in fetchable


def test_fetch_iemocap_prints_the_licensing_steps(tmp_path):
    result = invoke("fetch", "iemocap", "--dest", str(tmp_path))
    assert result.exit_code == 0
    assert "sail.usc.edu/iemocap" in result.output and "release=" in result.output
    assert list(tmp_path.iterdir()) == []
