"""The real data root fixture (env ERCBENCH_DATA, else ../shared/data next to the repo); skips when absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def real_data() -> Path:
    root = Path(os.environ.get("ERCBENCH_DATA", REPO.parent / "shared" / "data"))
    if not (root / "meld").is_dir():
        pytest.skip(f"real data not found at {root} (set ERCBENCH_DATA)")
    return root
