"""Atomic file writes: a temp file beside the target, fsynced, renamed over it; never a half-written file."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

from harness.errors import ErcbenchError


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


class WriteError(ErcbenchError):
    """Results could not be written (full disk, read-only folder); what was written before is kept."""

    def __init__(self, path: Path, exc: OSError):
        fix = WRITE_FIXES.get(exc.errno or 0, "fix the cause")
        what = (exc.strerror or str(exc)).lower()
        super().__init__(f"cannot write {path}: {what}; {fix}, then rerun with --resume "
                         "(predictions written so far are kept)")


WRITE_FIXES = {
    errno.ENOSPC: "free some disk space", errno.EDQUOT: "free some disk space (quota)",
    errno.EACCES: "choose a folder you can write to (--results-dir) or fix its permissions",
    errno.EPERM: "choose a folder you can write to (--results-dir) or fix its permissions",
    errno.EROFS: "choose a folder you can write to (--results-dir) or fix its permissions",
}


def write_json_atomic(path: Path, data: Any) -> None:
    """Write to a temp file in the same folder, fsync, then rename over the target."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as out:
            json.dump(data, out, indent=2, ensure_ascii=False, sort_keys=True)
            out.write("\n")
    except OSError as exc:
        raise WriteError(path, exc) from None
