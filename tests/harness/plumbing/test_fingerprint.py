"""The per-user fingerprint cache: in-place rewrites that keep size and mtime, untrusted file systems,
--verify-inputs, hub blobs, an unwritable cache."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.plumbing import fingerprint as fp

HOW = ("cp -p", "touch -r", "os.utime")


def rewrite_keeping_stat(path: Path, data: bytes, how: str, work: Path) -> None:
    """Write same-size `data` into `path` in place, then put its old mtime back; retried until ctime moved
    (it ticks coarsely on some file systems)."""
    before = path.stat()
    assert len(data) == before.st_size
    while True:
        if how == "cp -p":
            source = work / "new.bin"
            source.write_bytes(data)
            os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
            subprocess.run(["cp", "-p", str(source), str(path)], check=True)
        else:
            with open(path, "r+b") as handle:
                handle.write(data)
            if how == "touch -r":
                reference = work / "ref.bin"
                reference.touch()
                os.utime(reference, ns=(before.st_atime_ns, before.st_mtime_ns))
                subprocess.run(["touch", "-r", str(reference), str(path)], check=True)
            else:
                os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = path.stat()
        if after.st_ctime_ns != before.st_ctime_ns:
            break
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)


@pytest.fixture
def counted(monkeypatch):
    calls: list[Path] = []
    real = fp.sha256_file
    monkeypatch.setattr(fp, "sha256_file", lambda path: calls.append(path) or real(path))
    return calls


@pytest.mark.parametrize("how", HOW)
def test_a_same_size_rewrite_with_the_old_mtime_put_back_is_hashed_again(tmp_path, counted, monkeypatch, how):
    if how != "os.utime" and not shutil.which(how.split()[0]):
        pytest.skip(f"no {how.split()[0]} here")
    monkeypatch.setattr(fp, "RACY_NS", 0)  # only the stamp decides here
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"old weights")
    assert fp.file_sha256(weights) == hashlib.sha256(b"old weights").hexdigest()
    assert fp.file_sha256(weights) == hashlib.sha256(b"old weights").hexdigest() and len(counted) == 1  # cached
    rewrite_keeping_stat(weights, b"new weights", how, tmp_path)
    assert fp.file_sha256(weights) == hashlib.sha256(b"new weights").hexdigest()
    assert len(counted) == 2


def test_a_file_hashed_right_after_it_changed_is_hashed_again_once(tmp_path, counted):
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(b"w")
    fp.file_sha256(weights)
    fp.file_sha256(weights)
    assert len(counted) == 2  # written within a ctime tick of the hash: not trusted yet
    cache_file = fp.user_cache_path()
    cache = json.loads(cache_file.read_text())
    cache[os.path.realpath(weights)]["hashed_ns"] += fp.RACY_NS  # as if hashed well after the write
    cache_file.write_text(json.dumps(cache))
    fp.file_sha256(weights)
    assert len(counted) == 2


def test_network_file_systems_and_verify_inputs_always_rehash(tmp_path, counted, monkeypatch):
    monkeypatch.setattr(fp, "RACY_NS", 0)
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(b"w")
    fp.file_sha256(weights)
    fp.file_sha256(weights)
    assert len(counted) == 1
    with fp.verifying():
        fp.file_sha256(weights)
    monkeypatch.setenv(fp.VERIFY_ENV, "1")
    fp.file_sha256(weights)
    monkeypatch.delenv(fp.VERIFY_ENV)
    assert len(counted) == 3
    monkeypatch.setattr(fp, "_mounts", lambda: ((str(tmp_path), "nfs4"), ("/", "ext4")))
    assert not fp.trusted_fs(os.path.realpath(weights)) and fp.trusted_fs("/elsewhere")
    fp.file_sha256(weights)
    assert len(counted) == 4


def test_hub_snapshot_files_take_their_blob_names_without_reading(tmp_path, counted):
    blobs, snapshot = tmp_path / "blobs", tmp_path / "snapshots" / "abc123"
    blobs.mkdir()
    snapshot.mkdir(parents=True)
    digest = hashlib.sha256(b"weights").hexdigest()
    (blobs / digest).write_bytes(b"weights")
    (blobs / ("1" * 40)).write_bytes(b"{}")  # small files are git blobs, named by sha1: hashed
    (snapshot / "model.safetensors").symlink_to(blobs / digest)
    (snapshot / "config.json").symlink_to(blobs / ("1" * 40))
    found = fp.path_fingerprint("model", snapshot)
    assert found == {"model/config.json": hashlib.sha256(b"{}").hexdigest(), "model/model.safetensors": digest}
    assert [path.name for path in counted] == ["1" * 40]
    with fp.verifying():
        assert fp.path_fingerprint("model", snapshot) == found
    assert len(counted) == 3


def test_an_unwritable_user_cache_falls_back_to_the_results_folder(tmp_path, counted, monkeypatch):
    monkeypatch.setattr(fp, "RACY_NS", 0)
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(fp.CACHE_ENV, str(blocker / "cache.json"))  # a folder that cannot exist
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(b"w")
    with fp.hash_cache(tmp_path / "results" / fp.CACHE_FILE):
        fp.file_sha256(weights)
        fp.file_sha256(weights)
    assert len(counted) == 1 and (tmp_path / "results" / fp.CACHE_FILE).is_file()


def test_the_default_cache_is_per_user(monkeypatch, tmp_path):
    monkeypatch.delenv(fp.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert fp.user_cache_path() == tmp_path / "ercbench" / "fingerprints.json"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert fp.user_cache_path() == tmp_path / "home" / ".cache" / "ercbench" / "fingerprints.json"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is Linux's")
def test_hashing_threads_yield_the_cpu_and_the_caller_keeps_its_priority():
    import os
    import threading

    seen = []

    def worker():
        fp.yield_cpu()
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    before = os.getpriority(os.PRIO_PROCESS, 0)
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen[0] > before and os.getpriority(os.PRIO_PROCESS, 0) == before


@settings(max_examples=20, deadline=None)
@given(content=st.binary(max_size=300), block=st.integers(min_value=1, max_value=64))
def test_files_are_hashed_whole_whatever_the_block_size(tmp_path_factory, content, block):
    from harness.plumbing import hashing

    path = tmp_path_factory.mktemp("blocks") / "w.bin"
    path.write_bytes(content)
    saved, hashing.BLOCK = hashing.BLOCK, block
    try:
        assert hashing.sha256_file(path) == hashlib.sha256(content).hexdigest()
    finally:
        hashing.BLOCK = saved


@settings(max_examples=30, deadline=None)
@given(items=st.lists(st.text(max_size=5), max_size=20), workers=st.integers(min_value=1, max_value=8))
def test_in_threads_keeps_the_order_and_raises_the_first_error(items, workers):
    assert fp.in_threads(str.upper, items, workers) == [item.upper() for item in items]
    if items:
        with pytest.raises(ValueError, match="bad"):
            fp.in_threads(lambda item: (_ for _ in ()).throw(ValueError("bad")), items, workers)


def test_ctrl_c_while_hashing_exits_without_waiting_for_the_hash(tmp_path):
    import signal
    import time

    script = tmp_path / "hang.py"
    script.write_text(
        "import sys, time\n"
        "from harness.plumbing import fingerprint as fp\n"
        "print('hashing', flush=True)\n"
        "fp.in_threads(lambda item: time.sleep(60), ['a', 'b'], 2)\n"
    )
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}) as process:
        assert process.stdout.readline().strip() == b"hashing"
        time.sleep(0.5)
        clock = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=30)
    assert time.monotonic() - clock < 10 and b"KeyboardInterrupt" in errors
