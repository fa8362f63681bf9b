"""One process at a time per run key: an flock'd file in the results folder naming its holder (pid, host)."""

from __future__ import annotations

import json
import os
import socket
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from harness.errors import ErcbenchError

LOCK_SUFFIX = ".lock"
POLL_S = 0.2
Say = Callable[[str], None]


class RunBusy(ErcbenchError):
    """Another live process holds the run key and the caller chose not to wait."""


def holder_text(path: Path) -> str:
    """'pid 123 on host h since T' from a lock file, or a plain phrase when unreadable."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return f"pid {info['pid']} on host {info['host']} (since {info['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


class RunLock:
    """An exclusive claim on results/.<key>.lock.

    The kernel drops an flock when its process dies (kill -9 included), so a lock file left
    by a dead process is taken over, never waited on; the file itself only says who holds it.
    """

    def __init__(self, root: Path, key: str):
        self.path = root / f".{key}{LOCK_SUFFIX}"
        self.fd: int | None = None
        self.stale: str | None = None  # holder text of a dead process whose lock file we took over

    def try_acquire(self) -> bool:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the holder removed this file while we waited: lock the new one
        previous = os.read(fd, 4096)
        self.stale = holder_text(self.path) if previous.strip() else None
        me = {"pid": os.getpid(), "host": socket.gethostname(), "since": datetime.now(timezone.utc).isoformat()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        self.fd = fd
        return True

    def acquire(self, wait: bool, say: Say, what: str) -> None:
        """Take the lock; while another live process holds it, wait (saying so once) or refuse."""
        if self.try_acquire():
            return
        if not wait:
            raise RunBusy(f"{what} is being run by {holder_text(self.path)} (lock {self.path}); "
                          "wait for it to finish, or rerun without --no-wait")
        say(f"waiting: {what} is being run by {holder_text(self.path)} (lock {self.path})")
        while not self.try_acquire():
            time.sleep(POLL_S)

    def release(self) -> None:
        if self.fd is None:
            return
        # Unlink while still holding it: a waiter that opened the old file notices and retries.
        self.path.unlink(missing_ok=True)
        os.close(self.fd)
        self.fd = None

    def __enter__(self) -> "RunLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def is_held(path: Path) -> bool:
    """Whether a live process holds this lock file (for `results clean`)."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
