"""Content fingerprints of weight and adapter folders for run keys: sha256 per file, cached per user."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from harness.plumbing.hashing import sha256_file

#: The per-user cache file's name; also the name of the old per-results-folder cache.
CACHE_FILE = ".fingerprints.json"
CACHE_ENV = "ERCBENCH_FINGERPRINT_CACHE"
VERIFY_ENV = "ERCBENCH_VERIFY_INPUTS"
# Files that never change a model's answers (logs, plots, notes) are not hashed.
SKIPPED_SUFFIXES = (".csv", ".png", ".md", ".log", ".lock", ".tmp")
#: File systems whose ctime a client cannot trust (attribute caching, servers that fake it): always rehashed.
UNTRUSTED_FS = frozenset({"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "davfs", "fuse.sshfs",
                          "fuse.rclone", "fuse.s3fs", "fuse.gcsfuse", "fuse.davfs2", "fuse.juicefs"})
#: A file changed this close to when it was hashed may change again within one ctime tick: not trusted
#: (git's "racy clean" rule; some file systems keep ctime at jiffy or second granularity).
RACY_NS = 2_000_000_000
#: A huggingface hub cache names each large (LFS) file's blob by its sha256.
HUB_BLOB = re.compile(r"[0-9a-f]{64}")
_fallback: Path | None = None
T = TypeVar("T")
_verify = False


def user_cache_path() -> Path:
    """$ERCBENCH_FINGERPRINT_CACHE, else $XDG_CACHE_HOME/ercbench/, else ~/.cache/ercbench/."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ercbench" / CACHE_FILE.lstrip(".")


@contextlib.contextmanager
def hash_cache(path: Path | None) -> Iterator[None]:
    """Within this block, `path` is read too and written when the per-user cache cannot be (the pipeline
    passes the results folder)."""
    global _fallback
    before, _fallback = _fallback, path
    try:
        yield
    finally:
        _fallback = before


@contextlib.contextmanager
def verifying(on: bool = True) -> Iterator[None]:
    """Within this block every file is hashed again, whatever the cache says (`--verify-inputs`)."""
    global _verify
    before, _verify = _verify, _verify or on
    try:
        yield
    finally:
        _verify = before


def verify_all() -> bool:
    return _verify or os.environ.get(VERIFY_ENV, "") not in ("", "0")


def _read(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}  # unreadable or corrupt: rehash, never fail a run over a cache


def _write(cache: dict[str, Any]) -> None:
    from harness.plumbing.atomic import atomic_file

    for path in (user_cache_path(), _fallback):
        if path is None:
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_file(path) as out:
                json.dump(cache, out, sort_keys=True)
            return
        except OSError:
            continue  # an unwritable cache only costs a rehash next time


@functools.lru_cache(maxsize=1)
def _mounts() -> tuple[tuple[str, str], ...]:
    """(mount point, fs type), longest mount point first; empty where /proc/mounts is not there."""
    try:
        lines = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ()
    found = []
    for line in lines:
        fields = line.split()
        if len(fields) >= 3:
            found.append((fields[1].replace("\\040", " "), fields[2]))
    return tuple(sorted(found, key=lambda item: len(item[0]), reverse=True))


def trusted_fs(real: str) -> bool:
    """Whether stat() on this path reflects every change (local file systems do; NFS, SMB, sshfs may not)."""
    for point, fs_type in _mounts():
        if real == point or real.startswith(point.rstrip("/") + "/"):
            return fs_type not in UNTRUSTED_FS
    return True


def stamp_of(stat: os.stat_result) -> list[int]:
    """What an in-place rewrite cannot keep: ctime changes with every write, and with `cp -p` or
    `touch -r` putting the old mtime back; inode and device tell a replaced file from the old one."""
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev]


def hub_blob_sha256(path: Path) -> str | None:
    """A hub snapshot's file links to blobs/<sha256>: its name is the content's hash, nothing to read."""
    if not path.is_symlink():
        return None
    blob = Path(os.path.realpath(path))
    return blob.name if blob.parent.name == "blobs" and HUB_BLOB.fullmatch(blob.name) else None


def cached_sha256(real: str, cache: dict[str, Any]) -> str | None:
    """The cached hash while the file's stamp is what it was, the entry is not racy and the fs trusted."""
    if verify_all() or not trusted_fs(real):
        return None
    entry = cache.get(real)
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
        return None
    stamp, hashed_at = entry.get("stamp"), entry.get("hashed_ns")
    if not isinstance(stamp, list) or len(stamp) != 5 or not isinstance(hashed_at, int):
        return None  # an old entry (size, mtime, inode only) proves nothing about an in-place rewrite
    if hashed_at - stamp[2] < RACY_NS or stamp != stamp_of(os.stat(real)):
        return None
    return str(entry["sha256"])


def _hash_entry(real: str) -> dict[str, Any]:
    """Hash with the stamp taken before reading: a write during the read changes ctime, so never matches."""
    yield_cpu()
    stamp = stamp_of(os.stat(real))
    hashed_at = time.time_ns()
    return {"stamp": stamp, "hashed_ns": hashed_at, "sha256": sha256_file(Path(real))}


def yield_cpu() -> None:
    """Lower this thread's priority where the OS allows it (Linux: per thread): a first-seen checkpoint
    hashes while the run loads and answers, and the run should win any contest for a core."""
    if sys.platform.startswith("linux"):  # elsewhere a thread id is no process id: it could name another process
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


def in_threads(function: Callable[[str], T], items: list[str], workers: int) -> list[T]:
    """`function` over `items` on daemon threads, results in order, the first error raised: a run
    stopped with Ctrl-C exits at once instead of waiting for a 15 GB file's hash."""
    results: dict[int, T] = {}
    errors: list[BaseException] = []
    todo = iter(enumerate(items))
    lock = threading.Lock()

    def work() -> None:
        while not errors:
            with lock:
                index, item = next(todo, (-1, ""))
            if index < 0:
                return
            try:
                results[index] = function(item)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=work, name="hashing", daemon=True) for _ in range(max(1, workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return [results[index] for index in range(len(items))]


def files_sha256(paths: list[Path]) -> list[str]:
    """sha256 of each file: from the hub blob name or the cache when they can be trusted, else read
    (several files side by side: hashlib releases the GIL)."""
    cache = {**_read(_fallback), **_read(user_cache_path())}
    found: dict[str, str] = {}
    missing: list[str] = []
    for path in paths:
        real = os.path.realpath(path)
        blob = None if verify_all() else hub_blob_sha256(path)
        known = blob or cached_sha256(real, cache)
        if known:
            found[real] = known
        elif real not in missing:
            missing.append(real)
    if missing:
        entries = dict(zip(missing, in_threads(_hash_entry, missing, min(len(missing), os.cpu_count() or 1, 8))))
        found.update({real: entry["sha256"] for real, entry in entries.items()})
        _write({**cache, **entries})
    return [found[os.path.realpath(path)] for path in paths]


def file_sha256(path: Path) -> str:
    """sha256 of one file (see files_sha256)."""
    return files_sha256([Path(path)])[0]


def path_fingerprint(label: str, target: str | os.PathLike[str] | None) -> dict[str, str]:
    """{'label/file': sha256} for a local file or the top-level files of a folder; a hub id as itself.

    Subfolders (e.g. intermediate training checkpoints) are not part of what a model loads.
    """
    if not target:
        return {}
    path = Path(os.path.expanduser(str(target)))
    if path.is_file():
        return {f"{label}/{path.name}": file_sha256(path)}
    if not path.is_dir():
        return {label: f"id:{target}"}  # a hub id: its files are not on disk to hash
    files = [item for item in sorted(path.iterdir())
             if item.is_file() and not item.name.startswith(".") and not item.name.endswith(SKIPPED_SUFFIXES)]
    return {f"{label}/{item.name}": digest for item, digest in zip(files, files_sha256(files))}
