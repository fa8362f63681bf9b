"""Resuming with another number of processes writes the run one process writes (gloo on CPU, real MELD)."""

from __future__ import annotations

import functools
import json
import os
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.run import launcher
from tests.conftest import REPO

WORKER = "tests.harness.run.resume_worker"
SAME = ("scores", "n", "n_unparsed", "n_fallback", "n_truncated", "n_with_description", "inputs", "input_key", "spec")


@pytest.fixture
def worker_env(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="module")
def reference(tmp_path_factory, data_root) -> Path:
    """The same spec run by one process, uninterrupted."""
    from tests.harness.run import resume_worker

    results = tmp_path_factory.mktemp("single")
    resume_worker.main(str(data_root), str(results), "fresh")
    [folder] = [p for p in results.iterdir() if not p.name.startswith(".")]
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("first, then", [(1, 2), (2, 1), (2, 3)])
def test_a_run_resumed_by_another_number_of_processes_equals_one_uninterrupted_process(
    first, then, reference, data_root, tmp_path, worker_env, monkeypatch
):
    results = tmp_path / "results"
    args = [str(data_root), str(results)]
    monkeypatch.setenv("KILL_RANK", "0")  # rank 0 dies first: the others wrote later examples
    assert launcher.launch(first, [*args, "fresh"], module=WORKER) == 128 + 9
    [partial] = results.glob(".*.partial")
    monkeypatch.delenv("KILL_RANK")
    assert launcher.launch(then, [*args, "resume"], module=WORKER) == 0
    [folder] = [p for p in results.iterdir() if not p.name.startswith(".")]
    run, expected = (json.loads((f / "run.json").read_text()) for f in (folder, reference))
    assert (folder / "predictions.jsonl").read_bytes() == (reference / "predictions.jsonl").read_bytes()
    assert {key: run[key] for key in SAME} == {key: expected[key] for key in SAME}  # intervals included
    assert run["processes"] == then and 0 < run["resumed_from"] < run["n"] == 60


@pytest.mark.slow
def test_a_killed_process_makes_the_launcher_say_which_what_was_kept_and_how_to_resume(
    reference, data_root, tmp_path, worker_env, monkeypatch
):
    from harness import discovery
    from harness.cli import main
    from harness.run.distributed import kept_count
    from tests.harness.run import resume_worker

    monkeypatch.setattr(discovery, "default_registry", resume_worker.registry)
    monkeypatch.setattr(launcher, "launch", functools.partial(launcher.launch, module=WORKER))
    monkeypatch.setenv("KILL_RANK", "1")  # a real SIGKILL, at its second batch
    results = tmp_path / "results"
    command = ["run", "-t", "meld", "-m", "hashed", "--limit", "60", "--data-dir", str(data_root),
               "--results-dir", str(results)]
    result = CliRunner().invoke(main, [*command, "--processes", "2"])
    assert result.exit_code == 128 + 9
    [partial] = results.glob(".*.partial")
    [line] = result.output.splitlines()
    prefix, resume = line.split("; continue with: ")
    assert prefix == ("Error: process 1 of 2 was killed by SIGKILL (signal 9: killed, or out of memory); "
                      f"{kept_count(partial)} predictions kept in {partial}")
    assert kept_count(partial) >= 4
    monkeypatch.delenv("KILL_RANK")
    words = shlex.split(resume)
    assert words[0] == "ercbench" and words[-3:] == ["--processes", "2", "--resume"]
    assert CliRunner().invoke(main, words[1:]).exit_code == 0
    [folder] = [p for p in results.iterdir() if not p.name.startswith(".")]
    assert (folder / "predictions.jsonl").read_bytes() == (reference / "predictions.jsonl").read_bytes()
