"""The reporting commands: every option documented, --help works, registered on the main group."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from harness.cli import main

COMMANDS = [("leaderboard",), ("significance",), ("report",), ("plot",), ("plot", "confusion"),
            ("plot", "labels"), ("plot", "shots"), ("plot", "loss")]


def command_of(path):
    command = main
    for name in path:
        command = command.commands[name]
    return command


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_option_has_help_and_help_runs(path):
    command = command_of(path)
    assert command.help
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{' '.join(path)} {param.opts[0]} has no help"
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


@pytest.mark.parametrize("path", [("report",), ("plot", "loss", ".")], ids=" ".join)
def test_out_that_is_a_file_is_refused_in_one_line(tmp_path, path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(main, [*path, "--out", str(blocker), "--results-dir", str(tmp_path)]
                                if path[0] == "report" else [*path, "--out", str(blocker)])
    assert result.exit_code == 2 and "is a file, not a folder" in result.output
