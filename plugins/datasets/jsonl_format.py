"""The normalized JSON Lines format: one utterance per line, keys split, dialogue_id, utt_index, speaker, text, label."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from harness.data.files import json_object_line
from harness.errors import DataError
from harness.types import Dialogue, Utterance

REQUIRED_KEYS = ("split", "dialogue_id", "utt_index", "speaker", "text", "label")


def parse_line(path: Path, number: int, line: str) -> dict:
    row = json_object_line(path, number, line, REQUIRED_KEYS)
    if not isinstance(row["dialogue_id"], (str, int)) or isinstance(row["dialogue_id"], bool):
        raise DataError(path, f"dialogue_id must be a string or integer, got {row['dialogue_id']!r}", number)
    if row.get("description") is not None and not isinstance(row["description"], str):
        raise DataError(path, f"description must be a string or null, got {row['description']!r}", number)
    if not isinstance(row["utt_index"], int) or isinstance(row["utt_index"], bool):
        raise DataError(path, f"utt_index must be an integer, got {row['utt_index']!r}", number)
    for key in ("split", "speaker", "text"):
        if not isinstance(row[key], str):
            raise DataError(path, f"{key} must be a string, got {row[key]!r}", number)
    if row["label"] is not None and not isinstance(row["label"], str):
        raise DataError(path, f"label must be a string or null, got {row['label']!r}", number)
    return row


def read_rows(path: Path, text: str) -> list[tuple[int, dict]]:
    """(line number, row) for every non-blank line."""
    return [
        (number, parse_line(path, number, line))
        for number, line in enumerate(text.splitlines(), 1)
        if line.strip()
    ]


def build_dialogues(
    path: Path, rows: Sequence[tuple[int, dict]], split: str, labels: Sequence[str] | None
) -> list[Dialogue]:
    """The split's rows grouped by dialogue_id in first-seen order; labels checked when given."""
    grouped: dict[str, list[Utterance]] = {}
    seen: set[tuple[str, int]] = set()
    for number, row in rows:
        if row["split"] != split:
            continue
        key = (str(row["dialogue_id"]), row["utt_index"])
        if key in seen:
            raise DataError(path, f"utterance {key[1]} of dialogue {key[0]!r} appears twice in {split}", number)
        seen.add(key)
        label = row["label"]
        if labels is not None and label is not None and label not in labels:
            raise DataError(path, f"unknown label {label!r} (expected one of {', '.join(labels)})", number)
        utterance = Utterance(row["utt_index"], row["speaker"], row["text"], label, row.get("description"))
        grouped.setdefault(str(row["dialogue_id"]), []).append(utterance)
    return [
        Dialogue(dialogue_id, split, tuple(sorted(utterances, key=lambda u: u.index)))
        for dialogue_id, utterances in grouped.items()
    ]


def splits_in(rows: Sequence[tuple[int, dict]]) -> tuple[str, ...]:
    """Split names in first-seen order."""
    return tuple(dict.fromkeys(row["split"] for _, row in rows))
