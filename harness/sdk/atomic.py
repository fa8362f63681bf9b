"""Atomic file writes: a temp file beside the target, fsynced, renamed over it; never a half-written file."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator


def file_mode() -> int:
    """0o666 less the umask: what open() would give, for files made by mkstemp (always 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_file(path: Path, mode: str = "w", suffix: str = ".tmp", permissions: int | None = None) -> Iterator[IO[Any]]:
    """Yield a handle on a temp file; on a clean exit it replaces `path`, on any error it is removed.

    The file gets `permissions`, or the umask's usual mode: mkstemp's 0600 would break a team's shared folder.
    """
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    try:
        os.chmod(tmp, file_mode() if permissions is None else permissions)
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(handle, mode, encoding=encoding) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
