"""Reported paper numbers load from results/reported/ and bad rows are named by file and line."""

from __future__ import annotations

import pytest

from harness.errors import DataError
from harness.report.reported import COLUMNS, load_reported, reported_dir, reported_records

HEADER = ",".join(COLUMNS) + "\n"


def test_the_shipped_files_hold_dialoguellm_and_instructerc():
    rows = load_reported()
    dialoguellm = {(r.dataset, r.shots): r for r in rows if r.model == "DialogueLLM-7B"}
    assert (dialoguellm["meld", 1].accuracy, dialoguellm["meld", 1].weighted_f1) == pytest.approx((0.7196, 0.7190))
    assert (dialoguellm["meld", 0].accuracy, dialoguellm["meld", 0].weighted_f1) == pytest.approx((0.7191, 0.7181))
    assert (dialoguellm["iemocap-dialoguellm", 1].accuracy, dialoguellm["iemocap-dialoguellm", 1].weighted_f1) == pytest.approx((0.7062, 0.6993))
    assert (dialoguellm["emorynlp-mm", 1].accuracy, dialoguellm["emorynlp-mm", 1].weighted_f1) == pytest.approx((0.4188, 0.4005))
    assert "non-standard" in dialoguellm["iemocap-dialoguellm", 1].note
    instructerc = {r.dataset: r for r in rows if r.paper == "InstructERC"}
    assert {d: r.weighted_f1 for d, r in instructerc.items()} == pytest.approx({"iemocap": 0.7139, "meld": 0.6915, "emorynlp-mm": 0.4139})
    assert all(r.accuracy is None for r in instructerc.values())
    assert all(r.source for r in rows)


def test_records_are_marked_reported(tmp_path):
    (tmp_path / "a.csv").write_text(HEADER + "P,M,meld,0,50,40,paper table 1,\n", encoding="utf-8")
    [record] = reported_records(load_reported(tmp_path))
    assert record["kind"] == "reported" and record["accuracy"] == pytest.approx(0.5) and record["file"] == "a.csv"


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


def test_missing_column_and_missing_folder(tmp_path, monkeypatch):
    (tmp_path / "x.csv").write_text("paper,model\nP,M\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column"):
        load_reported(tmp_path)
    assert load_reported(tmp_path / "nowhere") == []
    monkeypatch.setenv("ERCBENCH_REPORTED", str(tmp_path / "env"))
    assert reported_dir() == tmp_path / "env"


def test_reported_runs_are_marked_and_land_on_the_test_split():
    from harness.report.reported import reported_runs

    rows = load_reported()
    records = reported_runs(rows)
    assert len(records) == len(rows)
    assert all(r.parser == "reported" and r.prompt.startswith("reported: ") for r in records)
    # Each paper's numbers sit under the variant it used: DialogueLLM's IEMOCAP and EmoryNLP are not the standard ones.
    assert {"meld:test", "iemocap:test", "iemocap-dialoguellm:test", "emorynlp-mm:test"} == {r.task for r in records}
    assert "reported: DialogueLLM (1-shot)" in {r.prompt for r in records}
    by_k = reported_runs(rows, shot_rows=True)
    assert all(r.shots is not None and r.k == f"k={r.shots}" for r in by_k) and len(by_k) < len(records)


def test_every_shipped_row_names_an_installed_task():
    from harness.discovery import default_registry

    tasks = set(default_registry().names("tasks"))
    assert {row.dataset for row in load_reported()} <= tasks
