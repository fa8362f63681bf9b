"""Every task and variant on the real data gives exactly the published counts (the table in docs/datasets.md)."""

from __future__ import annotations

import pytest

from harness.data.stats import task_stats
from harness.discovery import default_registry

MELD = {
    "train": (9989, 1038, {"neutral": 4710, "joy": 1743, "surprise": 1205, "anger": 1109, "sadness": 683,
                           "disgust": 271, "fear": 268}),
    "dev": (1109, 114, {"neutral": 470, "joy": 163, "anger": 153, "surprise": 150, "sadness": 111,
                        "fear": 40, "disgust": 22}),
    "test": (2610, 280, {"neutral": 1256, "joy": 402, "anger": 345, "surprise": 281, "sadness": 208,
                         "disgust": 68, "fear": 50}),
}
MELD_SENTIMENT = {
    "train": (9989, 1038, {"negative": 2945, "neutral": 4710, "positive": 2334}),
    "dev": (1109, 114, {"negative": 406, "neutral": 470, "positive": 233}),
    "test": (2610, 280, {"negative": 833, "neutral": 1256, "positive": 521}),
}
EMORY_LABELS = ("Neutral", "Joyful", "Peaceful", "Powerful", "Scared", "Mad", "Sad")
EMORY_FULL = {
    "train": (9934, 713, dict(zip(EMORY_LABELS, (3034, 2184, 900, 784, 1285, 1076, 671)))),
    "dev": (1344, 99, dict(zip(EMORY_LABELS, (393, 289, 132, 134, 178, 143, 75)))),
    "test": (1328, 85, dict(zip(EMORY_LABELS, (349, 282, 159, 145, 182, 113, 98)))),
}
EMORY_SUBSET = {
    "train": (7551, 659, dict(zip(EMORY_LABELS, (2485, 1677, 638, 551, 941, 785, 474)))),
    "dev": (954, 89, dict(zip(EMORY_LABELS, (322, 205, 82, 70, 127, 97, 51)))),
    "test": (984, 79, dict(zip(EMORY_LABELS, (288, 217, 111, 96, 116, 86, 70)))),
}
IEMOCAP_LABELS = ("hap", "sad", "neu", "ang", "exc", "fru")
IEMOCAP = {
    "train": (5163, 108, dict(zip(IEMOCAP_LABELS, (451, 771, 1221, 831, 593, 1296)))),
    "dev": (647, 12, dict(zip(IEMOCAP_LABELS, (53, 68, 103, 102, 149, 172)))),
    "test": (1623, 31, dict(zip(IEMOCAP_LABELS, (144, 245, 384, 170, 299, 381)))),
}

CASES = [
    ("meld", {}, MELD, "meld-csv"),
    ("meld", {"fix_mojibake": "on"}, MELD, "meld-csv"),
    ("meld-sentiment", {}, MELD_SENTIMENT, "meld-csv"),
    ("emorynlp", {}, EMORY_FULL, None),
    ("emorynlp", {"format": "tsv"}, EMORY_FULL, "tsv"),
    ("emorynlp-mm", {}, EMORY_SUBSET, "meld-emorynlp-csv"),
    ("iemocap", {}, IEMOCAP, "jsonl"),
    ("iemocap", {"format": "jsonl", "markers": "strip"}, IEMOCAP, "jsonl"),
    ("iemocap", {"format": "tsv"}, IEMOCAP, "tsv"),
    ("jsonl", {"path": "derived/iemocap_6class.jsonl"}, IEMOCAP, "jsonl"),
]


@pytest.mark.parametrize("name, options, expected, fmt", CASES,
                         ids=lambda v: str(v) if not isinstance(v, dict) else None)
def test_counts_match_the_published_tables(data_root, name, options, expected, fmt):
    task = default_registry().get("tasks", name).cls(data_root, **options)
    stats = task_stats(task)
    for split, (utterances, dialogues, labels) in expected.items():
        got = stats["splits"][split]
        assert (got["utterances"], got["dialogues"]) == (utterances, dialogues), split
        assert got["labels"] == {label: labels[label] for label in got["labels"]}, split
        assert set(got["labels"]) == set(labels)
    info = stats["info"]
    assert info["files"] and all(len(sha) == 64 for sha in info["files"].values())
    if fmt:
        assert set(info["format"].values()) == {fmt}


def test_emorynlp_auto_reads_official_json_where_present(data_root):
    task = default_registry().get("tasks", "emorynlp").cls(data_root)
    task_stats(task)
    assert task.info()["format"] == {"train": "tsv", "dev": "emorynlp-json", "test": "emorynlp-json"}
    assert task.dialogues("dev")[0].dialogue_id == "s01_e15_c01"


def test_train_plus_dev_is_the_published_iemocap_total(data_root):
    task = default_registry().get("tasks", "iemocap").cls(data_root)
    assert len(task.examples("train")) + len(task.examples("dev")) == 5810
    assert len(task.dialogues("train")) + len(task.dialogues("dev")) == 120
    assert all(d.dialogue_id.startswith("Ses05") for d in task.dialogues("test"))
