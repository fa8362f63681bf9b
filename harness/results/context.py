"""The dialogue context a report shows beside a run's answers, stored in the run folder (context.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator, Sequence

from harness.errors import DataError
from harness.plumbing.atomic import WriteError, atomic_file
from harness.types import Example

CONTEXT_FILE = "context.jsonl"  # one row per example: {"id", "turns": [[speaker, text], ...], "target": [...]}
TURNS = 3  # the turns before the target a report shows

Turn = tuple[str, str]
Context = tuple[list[Turn], Turn]  # the turns before the target, and the target


def context_rows(examples: Sequence[Example], turns: int = TURNS) -> Iterator[dict[str, Any]]:
    """Each example's last `turns` turns before its target, and the target, as speaker and text."""
    for example in examples:
        yield {"id": example.example_id,
               "turns": [[u.speaker, u.text] for u in example.context(turns)],
               "target": [example.target.speaker, example.target.text]}


def contexts_of(examples: Sequence[Example], turns: int = TURNS) -> dict[str, Context]:
    """What read_context gives, from examples at hand (a run folder written before context.jsonl)."""
    return {row["id"]: as_context(row) for row in context_rows(examples, turns)}


def write_context(folder: Path, examples: Sequence[Example]) -> None:
    """context.jsonl of every example of the run, written atomically (not an input: no run key depends on it)."""
    path = folder / CONTEXT_FILE
    try:
        with atomic_file(path) as out:
            for row in context_rows(examples):
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise WriteError(path, exc) from None


def read_context(folder: Path) -> dict[str, Context]:
    """Example id -> (turns before, target); {} when the folder holds no context.jsonl (an older run)."""
    path = folder / CONTEXT_FILE
    try:
        handle = open(path, encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise DataError(path, f"cannot read: {exc.strerror or exc}") from None
    found = {}
    with handle:
        for number, line in enumerate(handle, 1):
            try:
                row = json.loads(line)
                found[row["id"]] = as_context(row)
            except (ValueError, KeyError, TypeError):
                raise DataError(path, "not a context row ({\"id\", \"turns\", \"target\"})", number) from None
    return found


def as_context(row: dict[str, Any]) -> Context:
    turns = [(str(speaker), str(text)) for speaker, text in row["turns"]]
    speaker, text = row["target"]
    return turns, (str(speaker), str(text))
