"""The claim a run holds on its key while it computes: wait for, or refuse, another process on the same spec."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

from harness.results.lock import RunLock, Say
from harness.results.store import WriteError


@contextlib.contextmanager
def claimed(root: Path, key: str, wait: bool, say: Say, what: str) -> Iterator[RunLock]:
    """Hold results/.<key>.lock for the block; a lock left by a dead process is taken over (and said)."""
    lock = RunLock(root, key)
    try:
        lock.acquire(wait, say, what)
    except OSError as exc:
        raise WriteError(lock.path, exc) from None
    try:
        if lock.stale:
            say(f"took over the lock of {lock.stale}, which no longer runs")
        yield lock
    finally:
        lock.release()
