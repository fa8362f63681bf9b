"""MELD (Poria et al., 2019): the official CSVs, 7 emotions; one dialogue per Dialogue_ID."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from harness.datafiles import FileLedger, data_root
from harness.errors import DataError
from harness.hookspecs import hookimpl
from harness.interfaces import Task
from harness.types import Dialogue, Utterance

EMOTIONS = ("neutral", "joy", "surprise", "anger", "sadness", "disgust", "fear")
COLUMNS = ("Utterance", "Speaker", "Emotion", "Dialogue_ID", "Utterance_ID")
SPLIT_FILES = {
    "train": "train_sent_emo.csv",
    "dev": "dev_sent_emo.csv",
    "test": "test_sent_emo.csv",
}


def read_rows(path: Path, text: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; the header must hold every column we read."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or ())]
    if missing:
        raise DataError(path, f"missing column(s) {', '.join(missing)}", 1)
    rows = []
    line = reader.line_num
    for row in reader:
        if None in row or any(row[column] is None for column in COLUMNS):
            raise DataError(path, "row has the wrong number of fields", line + 1)
        rows.append((line + 1, row))
        line = reader.line_num
    return rows


def to_int(path: Path, line: int, column: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise DataError(path, f"{column} is not an integer: {value!r}", line) from None


def group_dialogues(
    path: Path, split: str, rows: list[tuple[int, dict[str, str]]], label_column: str, labels: tuple[str, ...]
) -> list[Dialogue]:
    """Rows sorted by (Dialogue_ID, Utterance_ID) become dialogues; Utterance_ID gaps are kept."""
    grouped: dict[int, list[Utterance]] = {}
    for line, row in rows:
        label = row[label_column].strip()
        if label not in labels:
            raise DataError(path, f"unknown {label_column} label {label!r} (expected one of {', '.join(labels)})", line)
        dialogue_id = to_int(path, line, "Dialogue_ID", row["Dialogue_ID"])
        index = to_int(path, line, "Utterance_ID", row["Utterance_ID"])
        grouped.setdefault(dialogue_id, []).append(
            Utterance(index=index, speaker=row["Speaker"], text=row["Utterance"], emotion=label)
        )
    return [
        Dialogue(str(dialogue_id), split, tuple(sorted(utterances, key=lambda u: u.index)))
        for dialogue_id, utterances in sorted(grouped.items())
    ]


class Meld(Task):
    """MELD text, emotion labels (7 classes)."""

    name = "meld"
    description = "MELD, 7 emotions, official CSVs (data root: meld/*.csv)"
    labels = EMOTIONS
    label_column = "Emotion"
    variant = "meld"

    def __init__(self, data_dir: Path | None = None, **options: str):
        super().__init__(data_dir, **options)
        self.ledger = FileLedger()
        self._cache: dict[str, list[Dialogue]] = {}

    def splits(self) -> tuple[str, ...]:
        return tuple(SPLIT_FILES)

    def folder(self) -> Path:
        root = data_root(self.data_dir)
        # Accept either the data root (holding meld/) or the MELD folder itself.
        return root / "meld" if (root / "meld").is_dir() else root

    def dialogues(self, split: str) -> list[Dialogue]:
        if split not in self._cache:
            path = self.folder() / SPLIT_FILES[split]
            text = self.ledger.read_text(path)
            rows = read_rows(path, text)
            self._cache[split] = group_dialogues(path, split, rows, self.label_column, self.labels)
        return self._cache[split]

    def info(self) -> dict:
        return {"name": self.name, "variant": self.variant, "format": "meld-csv", "files": dict(self.ledger.files)}


@hookimpl
def ercbench_register_tasks(register):
    register(Meld)
