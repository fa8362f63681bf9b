"""What a user with broken data reads: empty files and splits, duplicate columns, a misplaced IEMOCAP JSONL."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.errors import DataError
from plugins.datasets.iemocap import Iemocap
from plugins.datasets.meld import Meld
from tests.plugins.datasets.test_meld import HEADER, write_meld


def meld_copy(data_root, tmp_path, test_text):
    """A data root with the real MELD train/dev files and the given test file."""
    root = tmp_path / "data"
    (root / "meld").mkdir(parents=True)
    for split in ("train", "dev"):
        shutil.copy(data_root / "meld" / f"{split}_sent_emo.csv", root / "meld")
    (root / "meld" / "test_sent_emo.csv").write_text(test_text, encoding="utf-8")
    return root


@pytest.mark.parametrize("command", [["run", "-t", "meld", "-m", "majority"], ["data", "stats", "meld"]])
def test_a_header_only_test_split_is_refused_and_nothing_is_written(data_root, tmp_path, command):
    root = meld_copy(data_root, tmp_path, HEADER)
    results = tmp_path / "results"
    args = command + ["--data-dir", str(root)] + (["--results-dir", str(results)] if command[0] == "run" else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{root / 'meld' / 'test_sent_emo.csv'}: no examples in the test split" in result.output
    assert not results.exists()


def test_an_empty_file_is_called_empty(tmp_path):
    write_meld(tmp_path, []).write_text("")
    with pytest.raises(DataError, match="test_sent_emo.csv: the file is empty; expected a CSV header"):
        Meld(tmp_path).dialogues("test")


def test_a_missing_label_column_is_named_once(tmp_path):
    path = write_meld(tmp_path, [])
    path.write_text(HEADER.replace("Emotion,", "").replace("Utterance_ID,", "") + "1,hi,Ross,neutral,0,1,1,a,b\n")
    with pytest.raises(DataError) as caught:
        Meld(tmp_path).dialogues("test")
    assert str(caught.value).endswith("test_sent_emo.csv:1: missing column(s) Emotion, Utterance_ID")


def test_a_split_with_only_unlabelled_turns_has_no_examples(tmp_path):
    rows = [{"dialogue_id": "d", "split": "test", "utt_index": 0, "speaker": "A", "text": "hi", "label": None}]
    path = tmp_path / "derived" / "iemocap_6class.jsonl"
    path.parent.mkdir()
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    with pytest.raises(DataError, match="no examples in the test split"):
        Iemocap(tmp_path, format="jsonl").examples("test")


@pytest.mark.parametrize("place", [
    "iemocap_6class.jsonl", "iemocap/iemocap_6class.jsonl", "iemocap/x/iemocap_6class.jsonl",
])
@pytest.mark.parametrize("fmt", ["auto", "jsonl"])
def test_a_misplaced_iemocap_jsonl_is_named_with_where_it_belongs(data_root, tmp_path, place, fmt):
    misplaced = tmp_path / place
    misplaced.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(data_root / "derived" / "iemocap_6class.jsonl", misplaced)
    with pytest.raises(DataError) as caught:
        Iemocap(tmp_path, format=fmt).examples("test")
    assert str(caught.value) == (f"{misplaced}: the IEMOCAP JSONL is read from "
                                 f"{tmp_path / 'derived' / 'iemocap_6class.jsonl'}, not from here: move it there")


def test_no_iemocap_data_names_every_place_looked_in(tmp_path):
    with pytest.raises(DataError, match="no IEMOCAP data: looked for the release folder .*iemocap_6class.jsonl"):
        Iemocap(tmp_path).examples("test")
