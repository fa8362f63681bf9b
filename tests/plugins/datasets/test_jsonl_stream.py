"""The jsonl task streams its file: memory follows the split loaded, label inference is one pass."""

from __future__ import annotations

import json
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.errors import DataError
from plugins.datasets import jsonl_format, jsonl_task
from plugins.datasets.jsonl_task import JsonlTask

LABELS = ("anger", "joy", "neutral", "sadness")


def write(path, n_train: int, n_test: int) -> None:
    with open(path, "w") as out:
        for split, count in (("train", n_train), ("test", n_test)):
            for i in range(count):
                row = {"split": split, "dialogue_id": i // 10, "utt_index": i % 10, "speaker": "A",
                       "text": f"utterance number {i} " + "x" * 60, "label": LABELS[i % 4]}
                out.write(json.dumps(row) + "\n")


def test_loading_a_small_split_of_a_big_file_keeps_memory_small(tmp_path):
    path = tmp_path / "big.jsonl"
    write(path, n_train=20_000, n_test=50)
    size = path.stat().st_size
    task = JsonlTask(path=str(path))
    tracemalloc.start()
    try:
        examples = task.examples("test")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(examples) == 50 and task.labels == LABELS
    assert peak < size / 10, f"peak {peak} bytes for a {size}-byte file"


def test_the_file_is_scanned_once_however_many_examples_read_the_labels(tmp_path, monkeypatch):
    path = tmp_path / "d.jsonl"
    write(path, n_train=200, n_test=300)
    calls = {"n": 0}
    real = jsonl_task.scan

    def counted(p):
        calls["n"] += 1
        return real(p)

    monkeypatch.setattr(jsonl_task, "scan", counted)
    task = JsonlTask(path=str(path))
    examples = task.examples("test") + task.examples("train")
    assert len(examples) == 500 and calls["n"] == 1
    assert all(example.labels == LABELS for example in examples)
    assert task.info()["files"] == {str(path): __import__("hashlib").sha256(path.read_bytes()).hexdigest()}


def test_a_file_changed_between_scan_and_load_is_refused(tmp_path):
    path = tmp_path / "d.jsonl"
    write(path, n_train=20, n_test=5)
    task = JsonlTask(path=str(path))
    assert task.splits() == ("train", "test")
    with open(path, "a") as out:
        out.write(json.dumps({"split": "test", "dialogue_id": 99, "utt_index": 0, "speaker": "A", "text": "t",
                              "label": "joy"}) + "\n")
    with pytest.raises(DataError, match="changed while being read"):
        task.examples("test")


def test_a_bad_byte_is_reported_at_its_line(tmp_path):
    path = tmp_path / "d.jsonl"
    write(path, n_train=3, n_test=0)
    path.write_bytes(path.read_bytes() + b'{"split": "\xff"}\n')
    with pytest.raises(DataError, match=r"d.jsonl:4: not valid utf-8"):
        JsonlTask(path=str(path)).splits()


@given(st.lists(st.tuples(st.sampled_from(["train", "dev", "test"]), st.sampled_from(LABELS), st.booleans()),
                min_size=1, max_size=60))
@settings(max_examples=60, deadline=None)
def test_a_split_read_at_its_places_equals_the_split_streamed_from_the_whole_file(lines):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.jsonl"
        with open(path, "w", encoding="utf-8") as out:
            for i, (split, label, blank) in enumerate(lines):
                out.write("\n" if blank else "")  # blank lines between (and inside) runs of a split
                out.write(json.dumps({"split": split, "dialogue_id": i % 4, "utt_index": i, "speaker": "Zoë",
                                      "text": f"line {i} ✓", "label": label}) + "\n")
        found = jsonl_format.scan(path)
        for split in found.splits:
            streamed = [(n, row) for n, row in jsonl_format.iter_rows(path) if row["split"] == split]
            assert list(jsonl_format.split_rows(path, found.places[split])) == streamed


def test_loading_a_split_parses_only_its_own_lines(tmp_path, monkeypatch):
    path = tmp_path / "d.jsonl"
    write(path, n_train=200, n_test=30)
    task = JsonlTask(path=str(path))
    task.splits()
    parsed = []
    real = jsonl_format.parse_line
    monkeypatch.setattr(jsonl_format, "parse_line", lambda *args: parsed.append(args[1]) or real(*args))
    assert len(task.examples("test")) == 30
    assert parsed == list(range(201, 231))  # the test lines, by line number, and nothing else
