"""What a run's answers depend on beyond its spec: data files' and weights' sha256 and the labels."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Callable

from harness.plumbing.fingerprint import CACHE_FILE, hash_cache, verifying
from harness.results.keys import run_inputs
from harness.run.stages import Components

#: A fingerprint found in the cache takes milliseconds; one still hashing after this is a first sight.
CACHED_FINGERPRINT_S = 0.25


def read_run_inputs(parts: Components, root: Path, meanwhile: Callable[[], None] | None = None,
                    verify: bool = False) -> dict:
    """Data files' and weights' sha256 and the label set (weights' hashes cached per user, else in root).

    While a checkpoint seen for the first time is hashed, `meanwhile` (loading it) runs beside the
    hashing; nothing is reused, resumed or written before both are done, whatever finishes first.
    """
    parts.task.read_inputs()  # hash the train files too: prompts and models may read them later
    with hash_cache(None if read_only(root) else root / CACHE_FILE), verifying(verify):
        task_info = parts.task.run_info()
        if meanwhile is None:
            return run_inputs(task_info, parts.task.labels, parts.model.fingerprint())
        with ThreadPoolExecutor(max_workers=1) as pool:
            hashing = pool.submit(parts.model.fingerprint)
            try:
                found = hashing.result(timeout=CACHED_FINGERPRINT_S)
            except FutureTimeout:  # hashing, not a cache lookup: load the weights meanwhile
                meanwhile()
                found = hashing.result()
        return run_inputs(task_info, parts.task.labels, found)


def read_only(root: Path) -> bool:
    return root.is_dir() and not os.access(root, os.W_OK | os.X_OK)
