"""The normalized JSON Lines format: an utterance per line, keys split, dialogue_id, utt_index, speaker, text, label."""

from __future__ import annotations

import hashlib
import sys
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, Mapping, Sequence

from harness.errors import DataError
from harness.sdk import Dialogue, Utterance
from harness.sdk.data import json_object_line, require_file

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
    for number, _, _, row in iter_placed_rows(path, digest):
        yield number, row


def iter_placed_rows(path: Path, digest: Any = None) -> Iterator[tuple[int, int, int, dict]]:
    """(line number, start and end byte offsets, row) for every non-blank line, as iter_rows."""
    with open(require_file(path), "rb") as handle:
        yield from placed_rows(path, handle, digest)


def placed_rows(path: Path, handle: BinaryIO, digest: Any = None, start: int = 0, end: int | None = None,
                first: int = 1) -> Iterator[tuple[int, int, int, dict]]:
    """As iter_placed_rows over an open file, from byte `start` (line `first`) to byte `end` when given."""
    handle.seek(start)
    offset, number = start, first
    while end is None or offset < end:
        raw = handle.readline()
        if not raw:
            break
        if digest is not None:
            digest.update(raw)
        line = decoded(path, number, raw)
        if line.strip():
            yield number, offset, offset + len(raw), parse_line(path, number, line)
        offset, number = offset + len(raw), number + 1


def decoded(path: Path, number: int, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(path, f"not valid utf-8 (byte 0x{raw[exc.start]:02x}); wrong encoding?", number) from None


@dataclass(frozen=True)
class Scan:
    """One streaming pass over a file: its splits (first-seen order), train labels and sha256, and
    where each split's lines are: flat (start offset, end offset, first line number) triples, one
    per run of consecutive lines of that split (a few bytes per run, never a parsed copy)."""

    splits: tuple[str, ...]
    train_labels: tuple[str, ...]
    sha256: str
    places: Mapping[str, array] = field(default_factory=dict)


def scan(path: Path) -> Scan:
    """Validate every line and collect what a task needs before loading a split: O(lines) time,
    memory of a few bytes per run of one split's lines."""
    digest = hashlib.sha256()
    places: dict[str, array] = {}
    labels: set[str] = set()
    last = None
    for number, start, end, row in iter_placed_rows(path, digest):
        split = row["split"]
        place = places.setdefault(split, array("q"))
        if split == last:
            place[-2] = end  # the run goes on (blank lines between are skipped when read)
        else:
            place.extend((start, end, number))
        last = split
        if split == "train" and row["label"] is not None:
            labels.add(row["label"])
    if not places:
        raise DataError(
            path, f"the file is empty; expected one JSON object per line with keys {', '.join(REQUIRED_KEYS)}"
        )
    return Scan(tuple(places), tuple(sorted(labels)), digest.hexdigest(), places)


def split_rows(path: Path, places: array) -> Iterator[tuple[int, dict]]:
    """(line number, row) of the lines at `places` (a Scan's triples): only they are read and parsed."""
    with open(require_file(path), "rb") as handle:
        for index in range(0, len(places), 3):
            start, end, first = places[index : index + 3]
            for number, _, _, row in placed_rows(path, handle, None, start, end, first):
                yield number, row


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
            raise DataError(path, f"unknown label {label!r} (expected one of {', '.join(labels or ())})", number)
        # Speakers and labels repeat: one shared string each, not one per line.
        label = label if label is None else sys.intern(label)
        utterance = Utterance(row["utt_index"], sys.intern(row["speaker"]), row["text"], label, row.get("description"))
        grouped.setdefault(str(row["dialogue_id"]), []).append(utterance)
    return [
        Dialogue(dialogue_id, split, tuple(sorted(utterances, key=lambda u: u.index)))
        for dialogue_id, utterances in grouped.items()
    ]

