"""Shared fixtures: the real data root and a throwaway results folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def real_data_root() -> Path:
    return Path(os.environ.get("ERCBENCH_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def data_root() -> Path:
    root = real_data_root()
    if not (root / "meld").is_dir():
        pytest.fail(f"real data not found at {root}: set ERCBENCH_DATA to ../shared/data")
    return root


@pytest.fixture
def results_dir(tmp_path: Path) -> Path:
    return tmp_path / "results"


@pytest.fixture(autouse=True)
def private_fingerprint_cache(tmp_path_factory, monkeypatch) -> None:
    """Each test its own per-user fingerprint cache: tests never read or write the user's real one."""
    monkeypatch.setenv("ERCBENCH_FINGERPRINT_CACHE", str(tmp_path_factory.mktemp("fpcache") / "fingerprints.json"))
    monkeypatch.delenv("ERCBENCH_VERIFY_INPUTS", raising=False)
