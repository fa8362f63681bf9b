"""Where models keep what they fitted between runs: $ERCBENCH_CACHE, else <results dir>/.cache."""

from __future__ import annotations

import os
from pathlib import Path

from harness.results.store import results_root

CACHE_ENV = "ERCBENCH_CACHE"
CACHE_FOLDER = ".cache"  # hidden, like partial runs: never read as a run


def cache_root(results_dir: str | Path | None = None) -> Path:
    explicit = os.environ.get(CACHE_ENV)
    return Path(explicit).expanduser() if explicit else results_root(results_dir) / CACHE_FOLDER
