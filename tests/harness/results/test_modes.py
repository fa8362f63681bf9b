"""Files we write are as readable as the umask allows (shared team folders), not mkstemp's 0600."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from harness.context import RunContext
from harness.data.fetch import fetch_one
from harness.results.store import PREDICTIONS_FILE, RUN_FILE, write_json_atomic
from harness.run import pipeline
from harness.sdk.testing import registry_with
from harness.types import RunSpec


@pytest.fixture(params=[0o022, 0o027, 0o077])
def umask(request):
    before = os.umask(request.param)
    yield request.param
    os.umask(before)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_run_files_follow_the_umask(umask, results_dir):
    _, folder = pipeline.run(RunSpec(task="tiny", prompt="zero-shot", model="echo-gold"), RunContext(registry_with()),
                             results_dir=results_dir)
    assert mode(folder / RUN_FILE) == 0o666 & ~umask
    assert mode(folder / PREDICTIONS_FILE) == 0o666 & ~umask


def test_atomic_json_and_checkpoint_metadata_follow_the_umask(umask, tmp_path):
    from plugins.training.lora_output import RUN_FILE as TRAINING_RUN
    from plugins.training.lora_output import prepare_folder

    write_json_atomic(tmp_path / "x.json", {"a": 1})
    assert mode(tmp_path / "x.json") == 0o666 & ~umask
    prepare_folder(tmp_path / "ckpt", {"base": "b"}, resume=False, overwrite=False)
    assert mode(tmp_path / "ckpt" / TRAINING_RUN) == 0o666 & ~umask


def test_fetched_data_follows_the_umask(umask, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "a.csv").write_bytes(b"x,y\n")
    fetched = fetch_one("a.csv", None, hashlib.sha256(b"x,y\n").hexdigest(), tmp_path / "dest", mirror)
    assert mode(fetched.path) == 0o666 & ~umask
