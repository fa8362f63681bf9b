"""`run --processes N`: the command is started again as N processes, as typed, after one check."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from harness.run import launcher


def test_processes_relaunches_the_command_as_typed(monkeypatch, tmp_path):
    from harness.cli import main

    calls = []
    monkeypatch.setattr(launcher, "launch", lambda n, args, **_: calls.append((n, args)) or 3)
    model = f"hf:{tmp_path}"  # the check before launching refuses a model folder that is not there
    result = CliRunner().invoke(main, ["run", "-t", "meld", "-m", model, "--limit", "40", "--model-opt", "mode=score",
                                       "--model-opt", "batch_size=2", "--resume", "--processes", "2"])
    assert result.exit_code == 3
    assert calls == [(2, ["run", "--task", "meld", "--model", model, "--limit", "40", "--model-opt", "mode=score",
                          "--model-opt", "batch_size=2", "--resume"])]


def test_a_bad_option_is_reported_once_before_any_process_starts(monkeypatch):
    from harness.cli import main

    monkeypatch.setattr(launcher, "launch", lambda n, args, **_: pytest.fail("launched"))
    result = CliRunner().invoke(main, ["run", "-t", "sample", "-m", "hf:/m", "--model-opt", "foo=1",
                                       "--processes", "2"])
    assert result.exit_code == 1 and result.output.count("Error:") == 1 and "foo" in result.output


def test_processes_must_agree_with_the_launcher(monkeypatch):
    from harness.cli import main

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    result = CliRunner().invoke(main, ["run", "-t", "sample", "-m", "majority", "--processes", "3"])
    assert result.exit_code == 1 and "--processes 3 differs from the launcher's WORLD_SIZE 2" in result.output


def test_a_failed_launch_names_what_was_kept_and_the_command_that_resumes(monkeypatch, tmp_path):
    from harness.cli import main

    said = []
    monkeypatch.setattr(launcher, "launch", lambda n, args, kept: said.append(kept()) or 137)
    result = CliRunner().invoke(main, ["run", "-t", "sample", "-m", "majority", "--results-dir", str(tmp_path),
                                       "--processes", "2"])
    assert result.exit_code == 137
    [text] = said
    assert re.fullmatch(rf"0 predictions kept in {tmp_path}/\.\w+\.partial; continue with: ercbench run --task sample "
                        rf"--model majority --results-dir {tmp_path} --processes 2 --resume", text)
