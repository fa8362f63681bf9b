"""Bring-your-own JSONL task: labels inferred or given, splits from the file, clear errors."""

from __future__ import annotations

import json

import pytest

from harness.errors import ConfigError, DataError
from plugins.datasets.jsonl_task import JsonlTask


def write_rows(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def row(split, dialogue, index, label, text="hello"):
    return {"split": split, "dialogue_id": dialogue, "utt_index": index, "speaker": "A", "text": text, "label": label}


ROWS = [row("train", "d1", 0, "happy"), row("train", "d1", 1, "calm"),
        row("test", 7, 0, "calm"), row("test", 7, 1, None)]


def test_labels_are_inferred_from_train_and_splits_come_from_the_file(tmp_path):
    task = JsonlTask(tmp_path, path=str(write_rows(tmp_path / "dd.jsonl", ROWS)))
    assert task.labels == ("calm", "happy")
    assert task.splits() == ("train", "test")
    (dialogue,) = task.dialogues("test")
    assert dialogue.dialogue_id == "7" and len(task.examples("test")) == 1  # the unlabelled turn is context only
    assert task.info()["labels"] == ["calm", "happy"]


def test_relative_path_is_found_under_the_data_root(tmp_path):
    write_rows(tmp_path / "dd.jsonl", ROWS)
    assert JsonlTask(tmp_path, path="dd.jsonl").splits() == ("train", "test")


def test_given_labels_are_enforced(tmp_path):
    path = write_rows(tmp_path / "dd.jsonl", ROWS)
    task = JsonlTask(tmp_path, path=str(path), labels="happy,sad")
    with pytest.raises(DataError, match="unknown label 'calm'") as caught:
        task.dialogues("train")
    assert caught.value.line == 2


def test_options_are_required_and_checked(tmp_path):
    with pytest.raises(ConfigError, match="needs --task-opt path=FILE"):
        JsonlTask(tmp_path)
    with pytest.raises(ConfigError, match="option labels repeats an entry"):
        JsonlTask(tmp_path, path="x", labels="a,a")
    no_train = write_rows(tmp_path / "t.jsonl", [row("test", "d", 0, "x")])
    with pytest.raises(ConfigError, match="no labelled train rows"):
        JsonlTask(tmp_path, path=str(no_train)).labels


def test_duplicate_utterance_is_an_error(tmp_path):
    path = write_rows(tmp_path / "dd.jsonl", ROWS + [row("train", "d1", 1, "calm")])
    with pytest.raises(DataError, match="appears twice") as caught:
        JsonlTask(tmp_path, path=str(path)).dialogues("train")
    assert caught.value.line == 5


def test_missing_split_is_reported(tmp_path):
    task = JsonlTask(tmp_path, path=str(write_rows(tmp_path / "dd.jsonl", ROWS)))
    with pytest.raises(DataError, match="no split 'dev'"):
        task.dialogues("dev")


@pytest.mark.parametrize("content", ["", "\n\n"])
def test_an_empty_file_is_named_as_empty(tmp_path, content):
    path = tmp_path / "empty.jsonl"
    path.write_text(content)
    with pytest.raises(DataError, match=r"empty\.jsonl: the file is empty; expected one JSON object per line"):
        JsonlTask(tmp_path, path=str(path)).splits()


def test_a_relative_path_found_nowhere_without_a_data_root_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ERCBENCH_DATA", raising=False)
    with pytest.raises(DataError) as caught:
        JsonlTask(None, path="mydata.jsonl").splits()
    assert str(caught.value) == ("mydata.jsonl: file not found in the working folder "
                                 "(and no data root is set to look under)")


def test_a_lone_surrogate_escape_is_one_line_naming_the_file_and_line(tmp_path):
    path = write_rows(tmp_path / "dd.jsonl", ROWS + [row("\udcff", "d9", 0, "calm")])
    problem = rf"dd.jsonl:{len(ROWS) + 1}: a lone surrogate escape \('\\udcff'\) is not text"
    with pytest.raises(DataError, match=problem):
        JsonlTask(tmp_path, path=str(path)).splits()
    paired = write_rows(tmp_path / "ok.jsonl", ROWS + [row("train", "d9", 0, "calm", text="\U0001f600")])
    assert "\U0001f600" in JsonlTask(tmp_path, path=str(paired)).dialogues("train")[-1].utterances[0].text
