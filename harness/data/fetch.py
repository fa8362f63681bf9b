"""Download (or copy from a local mirror) pinned data files: sha256-checked, atomic, never a partial file."""

from __future__ import annotations

import hashlib
import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Callable, Mapping

from harness.data.files import sha256_file
from harness.errors import DataError
from harness.plumbing.atomic import atomic_file

CHUNK = 1 << 16
TIMEOUT_S = 60
# (relative path, bytes so far, total bytes or None)
ProgressHook = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class Fetched:
    relative: str
    path: Path
    status: str  # "downloaded", "copied" or "present"


def _stream(
    source: BinaryIO, out: IO[bytes], relative: str, total: int | None, hook: ProgressHook | None
) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while True:
        try:
            block = source.read(CHUNK)
        except (http.client.IncompleteRead, OSError) as exc:
            raise DataError(relative, f"download interrupted: {type(exc).__name__}") from None
        if not block:
            return size, digest.hexdigest()
        digest.update(block)
        out.write(block)
        size += len(block)
        if hook:
            hook(relative, size, total)


def _open_source(url: str | None, mirror: Path | None, relative: str) -> tuple[BinaryIO, int | None]:
    """A readable stream and its announced size: the mirror's file, or the HTTP response."""
    if mirror is not None:
        # The mirror may be the data root, the dataset's own folder (DIR/meld, DIR/emorynlp) or a flat folder.
        parts = Path(relative).parts
        tails = [Path(*parts[start:]) for start in range(len(parts))]
        for candidate in (mirror / tail for tail in tails):
            if candidate.is_file():
                return open(candidate, "rb"), candidate.stat().st_size
        tried = ", ".join(str(tail) for tail in tails)
        raise DataError(mirror / relative, f"not in the local mirror (tried {tried} under {mirror})")
    if url is None:
        raise DataError(relative, "no download address: copy the file from a mirror with --from DIR")
    try:
        response = urllib.request.urlopen(url, timeout=TIMEOUT_S)  # noqa: S310 (pinned https URLs or a test server)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DataError(
            url, f"download failed: {exc}; without network access, copy the files from a mirror with --from DIR"
        ) from None
    length = response.headers.get("Content-Length")
    return response, int(length) if length and length.isdigit() else None


def fetch_one(
    relative: str, url: str | None, sha256: str, dest: Path,
    mirror: Path | None = None, hook: ProgressHook | None = None,
) -> Fetched:
    """Write dest/relative only if its bytes hash to `sha256`; otherwise raise and leave nothing behind."""
    target = dest / relative
    if target.is_file() and sha256_file(target) == sha256:
        return Fetched(relative, target, "present")
    target.parent.mkdir(parents=True, exist_ok=True)
    source, total = _open_source(url, mirror, relative)
    with atomic_file(target, "wb", suffix=".part") as out, source:
        size, digest = _stream(source, out, relative, total, hook)
        if total is not None and size != total:
            raise DataError(relative, f"truncated: got {size} of {total} bytes")
        if digest != sha256:
            raise DataError(relative, f"sha256 mismatch: got {digest}, expected {sha256}")
    return Fetched(relative, target, "copied" if mirror is not None else "downloaded")


def fetch_all(
    files: Mapping[str, tuple[str, str]], dest: Path, mirror: Path | None = None, hook: ProgressHook | None = None
) -> list[Fetched]:
    """Fetch every (url, sha256) under its relative path; stops at the first bad file.

    Folders this call created and left empty are removed on failure, so a failed fetch leaves no trace.
    """
    created = sorted({folder for relative in files for folder in missing_folders((dest / relative).parent)},
                     key=lambda folder: len(folder.parts), reverse=True)
    try:
        return [fetch_one(relative, url, sha, dest, mirror, hook) for relative, (url, sha) in sorted(files.items())]
    except BaseException:
        for folder in created:  # deepest first, so a parent is empty once its children are gone
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        raise


def missing_folders(folder: Path) -> list[Path]:
    """`folder` and those of its parents that do not exist yet."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing

