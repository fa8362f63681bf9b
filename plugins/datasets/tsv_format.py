"""The tab-separated ERC format (CoMPM and others): `speaker<TAB>utterance<TAB>label`, blank lines between dialogues."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from harness.errors import DataError
from harness.sdk import Dialogue, Utterance

TextFilter = Callable[[str], str]


def parse_line(path: Path, number: int, line: str, labels: Sequence[str]) -> tuple[str, str, str]:
    fields = line.split("\t")
    if len(fields) != 3:
        raise DataError(
            path, f"expected 3 tab-separated fields (speaker, utterance, label), got {len(fields)}", number
        )
    speaker, text, label = fields
    label = label.strip()
    if label not in labels:
        raise DataError(path, f"unknown label {label!r} (expected one of {', '.join(labels)})", number)
    return speaker, text, label


def read_blocks(path: Path, text: str, labels: Sequence[str]) -> list[list[tuple[str, str, str]]]:
    """Dialogues as lists of (speaker, text, label); exactly one blank line separates two dialogues."""
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()  # trailing newlines end the file, they do not open a dialogue
    if not lines:
        raise DataError(path, "the file is empty: no dialogues in file; expected speaker<TAB>utterance<TAB>label lines")
    blocks: list[list[tuple[str, str, str]]] = [[]]
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        if not line.strip():
            if not blocks[-1]:
                raise DataError(path, "empty dialogue (a blank line where a dialogue should start)", number)
            blocks.append([])
            continue
        blocks[-1].append(parse_line(path, number, line, labels))
    if not blocks[-1]:
        raise DataError(path, "no dialogues in file")
    return blocks


def load_dialogues(
    path: Path, text: str, split: str, labels: Sequence[str], clean: TextFilter = lambda t: t
) -> list[Dialogue]:
    """The file has no dialogue ids, so dialogues are numbered in file order: `<split>-0000`, ..."""
    return [
        Dialogue(
            f"{split}-{number:04d}",
            split,
            tuple(
                Utterance(index, speaker, clean(utterance), label)
                for index, (speaker, utterance, label) in enumerate(block)
            ),
        )
        for number, block in enumerate(read_blocks(path, text, labels))
    ]
