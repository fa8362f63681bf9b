"""Published numbers load from package data with their conditions; bad rows are named by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import DataError
from harness.report.conditions import Conditions
from harness.report.reported import COLUMNS, CONDITION_COLUMNS, load_reported, reported_dir, reported_records

HEADER = ",".join(COLUMNS) + "\n"
FULL_HEADER = ",".join(COLUMNS + CONDITION_COLUMNS) + "\n"


def test_the_shipped_files_hold_dialoguellm_and_instructerc():
    rows = load_reported()
    dialoguellm = {(r.dataset, r.shots): r for r in rows if r.model == "DialogueLLM-7B"}
    assert (dialoguellm["meld", 1].accuracy, dialoguellm["meld", 1].weighted_f1) == pytest.approx((0.7196, 0.7190))
    assert (dialoguellm["meld", 0].accuracy, dialoguellm["meld", 0].weighted_f1) == pytest.approx((0.7191, 0.7181))
    iemocap, emory = dialoguellm["iemocap-dialoguellm", 1], dialoguellm["emorynlp-mm", 1]
    assert (iemocap.accuracy, iemocap.weighted_f1) == pytest.approx((0.7062, 0.6993))
    assert (emory.accuracy, emory.weighted_f1) == pytest.approx((0.4188, 0.4005))
    assert "non-standard" in dialoguellm["iemocap-dialoguellm", 1].note
    instructerc = {r.dataset: r for r in rows if r.model == "InstructERC (LLaMA2-7B)"}
    # EmoryNLP is the paper's own 41.37 (a secondary listing said 41.39).
    assert {d: r.weighted_f1 for d, r in instructerc.items()} == pytest.approx(
        {"iemocap": 0.7139, "meld": 0.6915, "emorynlp-mm": 0.4137})
    assert all(r.accuracy is None for r in instructerc.values())
    assert all(r.source for r in rows)


def test_shipped_rows_carry_their_conditions():
    rows = load_reported()
    by_model: dict[str, set] = {}
    for row in rows:
        by_model.setdefault(row.model, set()).add(row.conditions)
    assert by_model["InstructERC (LLaMA2-7B)"] == {Conditions("3", "test", "past", "nearest label by edit distance")}
    assert by_model["BiosERC (Llama-2-13B)"] == {Conditions("unknown", "valid", "past+future", "counted wrong")}
    assert by_model["PRC-Emo (Qwen2.5-7B)"] == {Conditions("5", "valid", "past+future", "string compare")}
    # The seed paper states neither its seeds nor where its checkpoint was chosen: unknown, not guessed.
    assert by_model["DialogueLLM-7B"] == {Conditions("unknown", "unknown", "past", "random label (unseeded)")}
    assert all(Conditions.from_text(row.conditions.text()) == row.conditions for row in rows)


def test_rows_added_from_the_reference_notes():
    wf1 = {(r.model, r.dataset): r.weighted_f1 for r in load_reported()}
    expected = {
        ("BiosERC (Llama-2-13B)", "iemocap"): 0.7119, ("BiosERC (Llama-2-13B)", "meld"): 0.6983,
        ("BiosERC (Llama-2-13B)", "emorynlp-mm"): 0.4168, ("BiosERC (Llama-2-7B)", "meld"): 0.6872,
        ("PRC-Emo (Qwen2.5-7B)", "iemocap"): 0.7195, ("PRC-Emo (Qwen3-8B)", "meld"): 0.7044,
        ("SpeechCueLLM (LLaMA family)", "iemocap"): 0.7260,
        ("SpeechCueLLM text only (LLaMA family)", "iemocap"): 0.7011,
        ("ChatGPT-3.5 (zero-shot)", "meld"): 0.6507, ("LaERC-S / CKERC (LLaMA-2 family)", "emorynlp-mm"): 0.4208,
    }
    assert {key: wf1[key] for key in expected} == pytest.approx(expected)
    laerc = [r for r in load_reported() if r.paper == "LaERC-S"]
    assert laerc and all("UNVERIFIED" in r.source for r in laerc)


def test_records_are_marked_reported(tmp_path):
    (tmp_path / "a.csv").write_text(HEADER + "P,M,meld,0,50,40,paper table 1,\n", encoding="utf-8")
    [record] = reported_records(load_reported(tmp_path))
    assert record["kind"] == "reported" and record["accuracy"] == pytest.approx(0.5) and record["file"] == "a.csv"
    assert record["conditions"] == Conditions().text()


def test_condition_columns_are_optional_and_checked(tmp_path):
    (tmp_path / "old.csv").write_text(HEADER + "P,M,meld,0,50,40,src,\n", encoding="utf-8")
    assert load_reported(tmp_path)[0].conditions == Conditions()
    (tmp_path / "old.csv").write_text(FULL_HEADER + "P,M,meld,0,50,40,src,,3,,past+future,excluded\n", encoding="utf-8")
    assert load_reported(tmp_path)[0].conditions == Conditions("3", "unknown", "past+future", "excluded")


@pytest.mark.parametrize("conditions, problem", [
    ("2.5,test,past,x", "seeds must be"), ("3,dev,past,x", "checkpoint must be one of"),
    ("3,test,future,x", "context must be one of"),
])
def test_bad_conditions_raise_data_error_with_the_line(tmp_path, conditions, problem):
    (tmp_path / "bad.csv").write_text(FULL_HEADER + f"P,M,meld,0,50,40,src,,{conditions}\n", encoding="utf-8")
    with pytest.raises(DataError, match=problem) as caught:
        load_reported(tmp_path)
    assert caught.value.line == 2


@pytest.mark.parametrize(
    "row, problem",
    [
        ("P,M,meld,0,abc,40,src,", "accuracy is not a number"),
        ("P,M,meld,0,150,40,src,", "between 0 and 100"),
        ("P,M,meld,0,,,src,", "needs accuracy or weighted_f1"),
        ("P,,meld,0,50,40,src,", "empty model"),
        ("P,M,meld,-1,50,40,src,", "shots must be"),
        ("P,M,meld,0,50,40,src", "wrong number of fields"),
    ],
)
def test_bad_rows_raise_data_error_with_the_line(tmp_path, row, problem):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "P,M,meld,0,50,40,src,\n" + row + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=problem) as caught:
        load_reported(tmp_path)
    assert caught.value.line == 3 and caught.value.path.endswith("bad.csv")


def test_missing_column_and_missing_folder(tmp_path, monkeypatch, capsys):
    (tmp_path / "x.csv").write_text("paper,model\nP,M\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column"):
        load_reported(tmp_path)
    assert load_reported(tmp_path / "nowhere", on_missing=None) == []
    monkeypatch.setenv("ERCBENCH_REPORTED", str(tmp_path / "env"))
    assert reported_dir() == tmp_path / "env"
    capsys.readouterr()
    assert load_reported() == []
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("warning: no published results: ") and "env" in line and "ERCBENCH_REPORTED" in line


def test_a_folder_without_csv_files_is_one_warning_line(tmp_path, capsys):
    assert load_reported(tmp_path) == []
    [line] = capsys.readouterr().err.splitlines()
    assert line == f"warning: no published results: {tmp_path} has no *.csv files"


def test_the_default_source_is_package_data():
    import harness.report

    assert reported_dir() == Path(harness.report.__file__).parent / "published"
    assert len(sorted(reported_dir().glob("*.csv"))) >= 6


def test_reported_runs_are_marked_and_land_on_the_test_split():
    from harness.report.reported import reported_runs

    rows = load_reported()
    records = reported_runs(rows)
    assert len(records) == len(rows)
    assert all(r.parser == "reported" and r.prompt.startswith("reported: ") for r in records)
    # Each paper's numbers sit under the variant it used: DialogueLLM's IEMOCAP and EmoryNLP are not the standard ones.
    assert {"meld:test", "iemocap:test", "iemocap-dialoguellm:test", "emorynlp-mm:test"} == {r.task for r in records}
    assert "reported: DialogueLLM (1-shot)" in {r.prompt for r in records}
    assert all(Conditions.from_text(r.conditions) for r in records)
    by_k = reported_runs(rows, shot_rows=True)
    assert all(r.shots is not None and r.k == f"k={r.shots}" for r in by_k) and len(by_k) < len(records)


def test_every_shipped_row_names_an_installed_task():
    from harness.discovery import default_registry

    tasks = set(default_registry().names("tasks"))
    assert {row.dataset for row in load_reported()} <= tasks


@pytest.mark.slow
def test_a_wheel_install_ships_the_published_rows(tmp_path):
    """Build a wheel from a clean copy of the tracked files, install it with --target, load from there."""
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[3]
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=repo, capture_output=True, check=True).stdout
    source = tmp_path / "src"
    for name in filter(None, tracked.decode().split("\0")):
        if (repo / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((repo / name).read_bytes())
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    offline = {**os.environ, "PIP_NO_INDEX": "1"}
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), str(source)],
                   check=True, env=offline, capture_output=True)
    [wheel] = (tmp_path / "dist").glob("ercbench-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(tmp_path / "site"), str(wheel)],
                   check=True, env=offline, capture_output=True)
    installed = sorted(p.name for p in (tmp_path / "site" / "harness" / "report" / "published").glob("*.csv"))
    assert installed == sorted(p.name for p in reported_dir().glob("*.csv"))
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "ERCBENCH_REPORTED")}
    probe = ("from harness.report.reported import load_reported, reported_dir; "
             "print(reported_dir()); print(len(load_reported()))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path,
                          env={**env, "PYTHONPATH": str(tmp_path / "site")},
                          capture_output=True, text=True, check=True)
    where, count = done.stdout.split()
    assert where.startswith(str(tmp_path / "site")) and int(count) == len(load_reported()) and not done.stderr
