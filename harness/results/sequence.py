"""The order runs finished in under one results folder: a counter, so that no clock decides which run is newest."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from harness.results.lock import RunLock

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


def started_at(run: dict[str, Any]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(run["started"])
    except (KeyError, TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def clock_warnings(runs: Iterable[dict[str, Any]], now: datetime | None = None) -> list[str]:
    """One line per run whose start time is in the future, or whose end comes after that of a run
    numbered later: the clock of the machine that wrote it was wrong."""
    now = now or datetime.now(timezone.utc)
    timed = [(run, start) for run in runs if (start := started_at(run)) is not None]
    numbered = sorted((pair for pair in timed if _number(pair[0]) is not None), key=lambda pair: _number(pair[0]) or 0)
    late, earliest_after = set(), None
    for run, start in reversed(numbered):
        end = start + timedelta(seconds=float(run.get("duration_s") or 0))
        if earliest_after is not None and end - earliest_after > TOLERANCE:
            late.add(id(run))
        earliest_after = end if earliest_after is None else min(earliest_after, end)
    lines = []
    for run, start in timed:
        reasons = [f"started {run['started']}, in the future"] if start - now > TOLERANCE else []
        if id(run) in late:
            reasons.append(f"finished after runs numbered after it (sequence {_number(run)})")
        if reasons:
            lines.append(f"{run.get('folder', run.get('run_id'))}: {' and '.join(reasons)}; the clock that "
                         "stamped it was wrong? Rows follow the order runs finished in (run.json sequence)")
    return lines


def _number(run: dict[str, Any]) -> int | None:
    number = run.get("sequence")
    return number if isinstance(number, int) and not isinstance(number, bool) else None
