"""Content fingerprints of weight and adapter folders for run keys: sha256 per file, cached by size and mtime."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, Iterator

from harness.data.files import sha256_file

CACHE_FILE = ".fingerprints.json"
# Files that never change a model's answers (logs, plots, notes) are not hashed.
SKIPPED_SUFFIXES = (".csv", ".png", ".md", ".log", ".lock", ".tmp")
_cache_path: Path | None = None


@contextlib.contextmanager
def hash_cache(path: Path | None) -> Iterator[None]:
    """Within this block, file hashes are remembered in `path` (the pipeline uses the results folder)."""
    global _cache_path
    before, _cache_path = _cache_path, path
    try:
        yield
    finally:
        _cache_path = before


def _load_cache() -> dict[str, Any]:
    if _cache_path is None:
        return {}
    try:
        data = json.loads(_cache_path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}  # unreadable or corrupt: rehash, never fail a run over a cache


def _save_cache(cache: dict[str, Any]) -> None:
    if _cache_path is None:
        return
    from harness.results.store import write_json_atomic

    try:
        write_json_atomic(_cache_path, cache)
    except OSError:
        pass  # a read-only results folder only costs a rehash next time


def file_sha256(path: Path) -> str:
    """sha256 of a file; reused from the cache while its size, mtime and inode are unchanged."""
    real = os.path.realpath(path)
    stat = os.stat(real)
    stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
    cache = _load_cache()
    entry = cache.get(real)
    if isinstance(entry, dict) and entry.get("stamp") == stamp and isinstance(entry.get("sha256"), str):
        return str(entry["sha256"])
    digest = sha256_file(Path(real))
    cache[real] = {"stamp": stamp, "sha256": digest}
    _save_cache(cache)
    return digest


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
    return {
        f"{label}/{item.name}": file_sha256(item)
        for item in sorted(path.iterdir())
        if item.is_file() and not item.name.startswith(".") and not item.name.endswith(SKIPPED_SUFFIXES)
    }
