"""The normalized JSON Lines format: one utterance per line, keys split, dialogue_id, utt_index, speaker, text, label."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from harness.data.files import json_object_line, require_file
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
    """(line number, row) for every non-blank line of an already-read (small) file."""
    return [
        (number, parse_line(path, number, line))
        for number, line in enumerate(text.splitlines(), 1)
        if line.strip()
    ]


def iter_rows(path: Path, digest: Any = None) -> Iterator[tuple[int, dict]]:
    """(line number, row) for every non-blank line, read one line at a time (never the whole file).

    `digest` (a hashlib object), when given, is fed every byte read, for provenance.
    """
    with open(require_file(path), "rb") as handle:
        for number, raw in enumerate(handle, 1):
            if digest is not None:
                digest.update(raw)
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(path, f"not valid utf-8 (byte 0x{raw[exc.start]:02x}); wrong encoding?", number) from None
            if line.strip():
                yield number, parse_line(path, number, line)


@dataclass(frozen=True)
class Scan:
    """One streaming pass over a file: its splits (first-seen order), train labels and sha256."""

    splits: tuple[str, ...]
    train_labels: tuple[str, ...]
    sha256: str


def scan(path: Path) -> Scan:
    """Validate every line and collect what a task needs before loading a split: O(lines), O(1) memory."""
    digest = hashlib.sha256()
    splits: dict[str, None] = {}
    labels: set[str] = set()
    for _, row in iter_rows(path, digest):
        splits.setdefault(row["split"])
        if row["split"] == "train" and row["label"] is not None:
            labels.add(row["label"])
    if not splits:
        raise DataError(path, f"the file is empty; expected one JSON object per line with keys {', '.join(REQUIRED_KEYS)}")
    return Scan(tuple(splits), tuple(sorted(labels)), digest.hexdigest())


def build_dialogues(
    path: Path, rows: Iterable[tuple[int, dict]], split: str, labels: Sequence[str] | None
) -> list[Dialogue]:
    """The split's rows grouped by dialogue_id in first-seen order; labels checked when given.

    `rows` may be a stream: only the split's utterances are kept, so memory follows the split, not the file.
    """
    known = frozenset(labels) if labels is not None else None  # set lookup: linear in the rows
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
        if known is not None and label is not None and label not in known:
            raise DataError(path, f"unknown label {label!r} (expected one of {', '.join(labels)})", number)
        utterance = Utterance(row["utt_index"], row["speaker"], row["text"], label, row.get("description"))
        grouped.setdefault(str(row["dialogue_id"]), []).append(utterance)
    return [
        Dialogue(dialogue_id, split, tuple(sorted(utterances, key=lambda u: u.index)))
        for dialogue_id, utterances in grouped.items()
    ]

