"""Two real processes on one results folder: one computes each spec, the other waits and reuses; nothing doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from harness.results.lock import RunLock, is_held
from harness.results.sequence import SEQUENCE_FILE
from harness.results.store import PREDICTIONS_FILE, RUN_FILE, spec_key
from harness.types import RunSpec

pytestmark = pytest.mark.slow

SAMPLE = RunSpec(task="sample", prompt="zero-shot", model="majority")


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "harness.cli", *args]


def start(args, results_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(cli(*args, "--results-dir", str(results_dir)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "COLUMNS": "200"})


def wait_line(proc: subprocess.Popen) -> str:
    for line in proc.stderr:
        if "waiting:" in line:
            return line
    raise AssertionError(f"process ended without waiting: {proc.wait()}")


def finished(results_dir: Path) -> list[Path]:
    return sorted(p for p in results_dir.iterdir() if not p.name.startswith("."))


def assert_sound(folder: Path) -> None:
    run = json.loads((folder / RUN_FILE).read_text())
    ids = [json.loads(line)["id"] for line in (folder / PREDICTIONS_FILE).read_text().splitlines()]
    assert len(ids) == run["n"] == len(set(ids))


def test_two_runs_of_one_spec_compute_once(results_dir):
    lock = RunLock(results_dir, spec_key(SAMPLE))
    assert lock.try_acquire()  # hold the spec so both processes surely overlap
    procs = [start(["run", "-t", "sample", "-m", "majority"], results_dir) for _ in range(2)]
    waiting = [wait_line(proc) for proc in procs]  # both reached the claim and said who holds it
    assert all(f"pid {os.getpid()}" in line for line in waiting)
    lock.release()
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    (only,) = finished(results_dir)
    assert_sound(only)
    assert sum("reusing the finished run" in err for _, err in outputs) == 1
    leftovers = [p.name for p in results_dir.iterdir() if p.name.startswith(".")]
    assert [name for name in leftovers if name not in (".cache", SEQUENCE_FILE)] == []


def test_no_wait_refuses_in_one_line_while_another_process_runs_it(results_dir):
    lock = RunLock(results_dir, spec_key(SAMPLE))
    assert lock.try_acquire()
    try:
        proc = start(["run", "-t", "sample", "-m", "majority", "--no-wait"], results_dir)
        _, err = proc.communicate(timeout=120)
    finally:
        lock.release()
    assert proc.returncode == 1
    assert err.strip().count("\n") == 0 and "is being run by pid" in err and "Traceback" not in err
    assert finished(results_dir) == []


def test_two_compares_started_together_split_the_work_and_duplicate_nothing(results_dir):
    args = ["compare", "-t", "sample", "-m", "majority", "-m", "tfidf-lr", "--split", "dev", "--seed", "3"]
    procs = [start(args, results_dir) for _ in range(2)]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    runs = finished(results_dir)
    assert len(runs) == 2
    for folder in runs:
        assert_sound(folder)
    leftovers = [p.name for p in results_dir.iterdir() if p.name.startswith(".")]
    assert [name for name in leftovers if name not in (".cache", SEQUENCE_FILE)] == []


def test_a_lock_left_by_a_killed_process_is_taken_over(results_dir, tmp_path):
    results_dir.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from harness.results.lock import RunLock;"
        f"lock = RunLock(Path({str(results_dir)!r}), {spec_key(SAMPLE)!r}); assert lock.try_acquire();"
        "print('held', flush=True); time.sleep(600)")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    lock_file = results_dir / f".{spec_key(SAMPLE)}.lock"
    assert is_held(lock_file)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    holder.stdout.close()
    assert lock_file.exists() and not is_held(lock_file)
    proc = start(["run", "-t", "sample", "-m", "majority", "--no-wait"], results_dir)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert f"took over the lock of pid {holder.pid}" in err
    assert not lock_file.exists() and len(finished(results_dir)) == 1
