"""Data-parallel runs' files: each process answers whole dialogues into its own shard file; rank 0 folds them."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Mapping, Sequence

from harness.errors import DataError
from harness.plumbing.atomic import atomic_file
from harness.results.store import PREDICTIONS_FILE, PartialRun, WriteError
from harness.types import Example

RANK_FOLDER = "rank-"  # results/.<key>.partial/rank-K/predictions.jsonl: one writer per file


def shard(examples: Sequence[Example], rank: int, size: int) -> list[Example]:
    """This rank's examples: whole dialogues (the carried context never spans processes), in
    contiguous blocks of about len/size examples each, in the run's order."""
    if size == 1:
        return list(examples)
    groups: list[list[Example]] = []
    for example in examples:
        key = (example.dialogue.split, example.dialogue.dialogue_id)
        last = groups[-1][0] if groups else None
        if last is not None and (last.dialogue.split, last.dialogue.dialogue_id) == key:
            groups[-1].append(example)
        else:
            groups.append([example])
    mine: list[Example] = []
    start = 0
    for group in groups:
        # A dialogue belongs to the block its middle falls in.
        owner = min(size - 1, int((start + len(group) / 2) * size / len(examples)))
        if owner == rank:
            mine.extend(group)
        start += len(group)
    return mine


def rank_writer(partial: PartialRun, rank: int) -> PartialRun:
    """The same partial run, appending into its own rank-K/ subfolder: no two processes share a file."""
    writer = copy.copy(partial)
    writer.folder = partial.folder / f"{RANK_FOLDER}{rank}"
    writer.folder.mkdir(parents=True, exist_ok=True)
    return writer


def complete_lines(path: Path) -> list[str]:
    """The newline-terminated lines of a file; a torn last line (a killed process) is left out."""
    if not path.is_file():
        return []
    data = path.read_text(encoding="utf-8")
    return data[: data.rfind("\n") + 1].splitlines(keepends=True)


def _line_id(path: Path, number: int, line: str) -> str:
    try:
        return json.loads(line)["id"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise DataError(path, "not a prediction line (JSON with an id); delete the partial folder to restart", number)


def fold_shards(folder: Path) -> int:
    """Append every rank's complete predictions to folder/predictions.jsonl (once per id), then drop
    the rank folders; safe to repeat after a kill at any point. Returns the number of lines moved."""
    shards = sorted(folder.glob(f"{RANK_FOLDER}*/{PREDICTIONS_FILE}"))
    if not shards:
        return 0
    merged = folder / PREDICTIONS_FILE
    kept = complete_lines(merged)
    seen = {_line_id(merged, number, line) for number, line in enumerate(kept, 1)}
    moved = []
    for path in shards:
        for number, line in enumerate(complete_lines(path), 1):
            key = _line_id(path, number, line)
            if key not in seen:
                seen.add(key)
                moved.append(line)
    _write_lines(merged, kept + moved, merged if merged.exists() else shards[0])
    for path in shards:
        shutil.rmtree(path.parent)
    for empty in folder.glob(f"{RANK_FOLDER}*"):
        shutil.rmtree(empty, ignore_errors=True)
    return len(moved)


def kept_count(folder: Path) -> int:
    """How many examples the complete lines of a partial folder answer (merged file and every rank's)."""
    ids: set[str] = set()
    for path in [folder / PREDICTIONS_FILE, *folder.glob(f"{RANK_FOLDER}*/{PREDICTIONS_FILE}")]:
        ids.update(_line_id(path, number, line) for number, line in enumerate(complete_lines(path), 1))
    return len(ids)


def order_predictions(folder: Path, examples: Sequence[Example]) -> None:
    """Rewrite predictions.jsonl in the examples' order: the order a single process writes."""
    path = folder / PREDICTIONS_FILE
    if not path.exists():
        return
    position = {example.example_id: index for index, example in enumerate(examples)}
    lines = complete_lines(path)
    keyed = [(position.get(_line_id(path, n, line), len(position)), n, line) for n, line in enumerate(lines, 1)]
    if keyed != sorted(keyed):  # in order already (one process from the start): no rewrite
        _write_lines(path, [line for _, _, line in sorted(keyed)], path)


def _write_lines(path: Path, lines: Sequence[str], like: Path) -> None:
    """Replace `path` atomically, with the permissions of `like` (the file it replaces, or a sibling)."""
    try:
        with atomic_file(path, permissions=like.stat().st_mode & 0o777) as out:
            out.writelines(lines)
    except OSError as exc:
        raise WriteError(path, exc) from None


def slowest(timings: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The processes ran side by side: each stage took as long as its slowest process."""
    return {key: max(timing.get(key, 0.0) for timing in timings) for key in timings[0]}


def total(counts: Sequence[int | None]) -> int | None:
    """A count over every process; None when no process counts it."""
    known = [count for count in counts if count is not None]
    return sum(known) if known else None
