"""run/compare from the command line: reuse of finished runs, Ctrl-C while loading and a full disk in one line."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.discovery import default_registry
from harness.results import store
from harness.results.store import PartialRun
from harness.types import RunSpec

RUN = ["run", "-t", "sample", "-m", "majority"]


def visible(results_dir):
    return sorted(p for p in results_dir.iterdir() if not p.name.startswith("."))


def test_rerun_reuses_and_force_recomputes(results_dir):
    runner = CliRunner()
    args = RUN + ["--results-dir", str(results_dir)]
    assert runner.invoke(main, args).exit_code == 0
    again = runner.invoke(main, args + ["--resume"])
    assert again.exit_code == 0 and "reusing the finished run" in again.output and len(visible(results_dir)) == 1
    forced = runner.invoke(main, args + ["--force"])
    assert forced.exit_code == 0 and "reusing" not in forced.output and len(visible(results_dir)) == 2


def test_a_restarted_compare_computes_only_what_is_missing(results_dir):
    runner = CliRunner()
    base = ["compare", "-t", "sample", "--results-dir", str(results_dir)]
    assert runner.invoke(main, base + ["-m", "majority"]).exit_code == 0
    second = runner.invoke(main, base + ["-m", "majority", "-m", "tfidf-lr"], terminal_width=200)
    assert second.exit_code == 0, second.output
    assert second.output.count("reusing the finished run") == 1 and len(visible(results_dir)) == 2


def test_ctrl_c_while_loading_the_model_is_one_line_and_keeps_predictions(results_dir, monkeypatch):
    spec = RunSpec(task="sample", prompt="zero-shot", model="majority")
    partial = PartialRun(results_dir, spec)
    partial.start(resume=False, inputs=None)
    partial.append([store.Prediction("test/x/0", "joy", "joy", "joy")])  # an earlier attempt's work
    model = default_registry().get("models", "majority").cls

    def interrupted(self, task, seed):
        raise KeyboardInterrupt

    monkeypatch.setattr(model, "prepare", interrupted)
    result = CliRunner().invoke(main, RUN + ["--results-dir", str(results_dir)])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "interrupted" in result.output
    assert "1 prediction(s) saved, rerun with --resume" in result.output
    assert visible(results_dir) == [] and len(partial.done_predictions()) == 1


def test_ctrl_c_before_any_prediction_does_not_offer_resume(results_dir, monkeypatch):
    model = default_registry().get("models", "majority").cls

    def interrupted(self, task, seed):
        raise KeyboardInterrupt

    monkeypatch.setattr(model, "prepare", interrupted)
    result = CliRunner().invoke(main, RUN + ["--results-dir", str(results_dir)])
    assert result.exit_code == 1 and result.output.strip().count("\n") == 0
    assert "saved no predictions" in result.output and "--resume" not in result.output


def test_full_disk_is_one_line_naming_the_file(results_dir, monkeypatch):
    real_fsync, calls = os.fsync, {"n": 0}

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] >= 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(store.os, "fsync", fsync)
    result = CliRunner().invoke(main, RUN + ["--results-dir", str(results_dir)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    line = result.output.strip()
    assert "\n" not in line and "no space left on device; free some disk space" in line and "--resume" in line


@pytest.mark.slow
def test_sigint_during_a_slow_model_load_in_a_real_process(results_dir):
    script = textwrap.dedent(f"""
        import sys, time
        from harness.discovery import default_registry
        from harness.cli import main
        model = default_registry().get("models", "majority").cls
        def slow(self, task, seed):
            print("loading", flush=True)
            time.sleep(60)
        model.prepare = slow
        main(["run", "-t", "sample", "-m", "majority", "--results-dir", {str(results_dir)!r}], prog_name="ercbench")
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "loading"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "Traceback" not in err
    assert err.strip().count("\n") == 0 and "interrupted" in err
    assert [p.name for p in results_dir.iterdir()] == []


@pytest.mark.parametrize("command", [RUN, ["compare", "-t", "sample", "-m", "majority"]])
def test_verify_inputs_makes_the_runs_hash_every_file_again(results_dir, monkeypatch, command):
    from harness.plumbing.fingerprint import VERIFY_ENV, verify_all

    monkeypatch.setenv(VERIFY_ENV, "0")  # restored after the test: the flag sets it for the whole command
    assert not verify_all()
    result = CliRunner().invoke(main, command + ["--results-dir", str(results_dir), "--verify-inputs"])
    assert result.exit_code == 0, result.output
    assert verify_all()
