"""The order runs finished in under one results folder: a counter, so that no clock decides which run is newest."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from harness.results.lock import RunLock
from harness.types import RunResult

if TYPE_CHECKING:
    from harness.results.record import FinishedRun

SEQUENCE_FILE = ".sequence"  # the last number given out; a lost file is rebuilt from the runs' run.json
SEQUENCE_KEY = "sequence"  # its lock: results/.sequence.lock
TOLERANCE = timedelta(minutes=5)  # clocks of machines sharing a folder differ a little


def sequence_lock(root: Path) -> RunLock:
    """The counter's lock, held while a run takes its number and is published (blocking)."""
    lock = RunLock(root, SEQUENCE_KEY)
    lock.acquire(True, lambda line: None, "the run sequence")
    return lock


def next_sequence(root: Path) -> int:
    """The next number (1, 2, ...): call with the lock of `sequence_lock` held."""
    path = root / SEQUENCE_FILE
    try:
        last = int(path.read_text(encoding="ascii"))
    except (OSError, ValueError):
        last = max((number for number in _recorded(root)), default=0)
    path.write_text(f"{last + 1}\n", encoding="ascii")
    return last + 1


def _recorded(root: Path) -> Iterator[int]:
    for run_file in root.glob("*/run.json"):
        try:
            number = json.loads(run_file.read_text(encoding="utf-8")).get("sequence")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(number, int) and not isinstance(number, bool):
            yield number


def started_at(result: RunResult) -> datetime | None:
    try:
        moment = datetime.fromisoformat(result.started)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def clock_warnings(runs: Iterable[FinishedRun], now: datetime | None = None) -> list[str]:
    """One line per run whose start time is in the future, or whose end comes after that of a run
    numbered later: the clock of the machine that wrote it was wrong."""
    now = now or datetime.now(timezone.utc)
    timed = [(run, start) for run in runs if (start := started_at(run.result)) is not None]
    numbered = sorted((pair for pair in timed if pair[0].result.sequence is not None),
                      key=lambda pair: pair[0].result.sequence or 0)
    late, earliest_after = set(), None
    for run, start in reversed(numbered):
        end = start + timedelta(seconds=float(run.result.duration_s or 0))
        if earliest_after is not None and end - earliest_after > TOLERANCE:
            late.add(id(run))
        earliest_after = end if earliest_after is None else min(earliest_after, end)
    lines = []
    for run, start in timed:
        reasons = [f"started {run.result.started}, in the future"] if start - now > TOLERANCE else []
        if id(run) in late:
            reasons.append(f"finished after runs numbered after it (sequence {run.result.sequence})")
        if reasons:
            lines.append(f"{run.folder}: {' and '.join(reasons)}; the clock that "
                         "stamped it was wrong? Rows follow the order runs finished in (run.json sequence)")
    return lines
