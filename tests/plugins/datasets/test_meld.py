"""MELD: the sentiment variant, mojibake repair on a synthetic pre-2020 copy, options, bad rows."""

from __future__ import annotations

import pytest

from harness.errors import ConfigError, DataError
from plugins.datasets.meld import Meld, MeldSentiment
from plugins.datasets.mojibake import repair

HEADER = "Sr No.,Utterance,Speaker,Emotion,Sentiment,Dialogue_ID,Utterance_ID,Season,Episode,StartTime,EndTime\r\n"


def write_meld(root, rows, split="test"):
    folder = root / "meld"
    folder.mkdir(exist_ok=True)
    path = folder / f"{split}_sent_emo.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8", newline="")
    return path


OLD_COPY = [
    '1,"I\x92m fine, it\x92s \x93okay\x94\x85",Ross,joy,positive,0,0,1,1,"0:00:01,000","0:00:02,000"\r\n',
    '2,Oh no.,Rachel,sadness,negative,0,1,1,1,"0:00:03,000","0:00:04,000"\r\n',
]


def test_mojibake_is_repaired_only_when_asked(tmp_path):
    write_meld(tmp_path, OLD_COPY)
    raw = Meld(tmp_path).dialogues("test")[0].utterances[0].text
    fixed = Meld(tmp_path, fix_mojibake="on").dialogues("test")[0].utterances[0].text
    assert raw == "I\x92m fine, it\x92s \x93okay\x94\x85"
    assert fixed == "I’m fine, it’s “okay”…"
    assert Meld(tmp_path, fix_mojibake="on").info()["options"] == {"fix_mojibake": "on"}


@pytest.mark.parametrize(
    "broken, clean",
    [("Iâ€™m â€œokâ€\x9d", "I’m “ok”"), ("cafÃ©", "café"), ("it’s — fine…", "it’s — fine…"), ("\x81", "\x81")],
)
def test_repair_undoes_both_kinds_and_leaves_clean_text_alone(broken, clean):
    assert repair(broken) == clean


def test_repair_changes_nothing_in_the_official_files(data_root):
    plain = [e.target.text for e in Meld(data_root).examples("dev")]
    repaired = [e.target.text for e in Meld(data_root, fix_mojibake="on").examples("dev")]
    assert plain == repaired


def test_sentiment_variant_reads_the_sentiment_column(tmp_path):
    write_meld(tmp_path, OLD_COPY)
    task = MeldSentiment(tmp_path)
    assert [u.emotion for u in task.dialogues("test")[0].utterances] == ["positive", "negative"]
    assert task.labels == ("neutral", "positive", "negative")
    assert task.info()["variant"] == "meld-sentiment"


@pytest.mark.parametrize(
    "row, problem",
    [
        ('1,Hi,Ross,happy,positive,0,0,1,1,a,b\r\n', "unknown Emotion label 'happy'"),
        ('1,Hi,Ross,joy,positive,zero,0,1,1,a,b\r\n', "Dialogue_ID is not an integer"),
        ('1,Hi,Ross,joy\r\n', "wrong number of fields"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path, row, problem):
    write_meld(tmp_path, [OLD_COPY[0], row])
    with pytest.raises(DataError, match=problem) as caught:
        Meld(tmp_path).dialogues("test")
    assert caught.value.line == 3


def test_options_are_checked(tmp_path):
    with pytest.raises(ConfigError, match="fix_mojibake must be on or off"):
        Meld(tmp_path, fix_mojibake="maybe")
    with pytest.raises(ConfigError, match="unknown option .mojibake.; did you mean fix_mojibake"):
        Meld(tmp_path, mojibake="on")
