"""Every command of the README's command reference answers --help, and every option there has help text."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from harness.cli import main

README = Path(__file__).resolve().parents[3] / "README.md"


def documented_commands() -> list[tuple[str, ...]]:
    """The command paths in the README's command reference table, e.g. ("data", "stats")."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Command reference", 1)[1].split("\n## ", 1)[0]
    paths = []
    for row in section.splitlines():
        cell = re.match(r"\|\s*`ercbench ([^`]*)`", row)
        if not cell:
            continue
        words, command, path = cell.group(1).split(), main, []
        for word in words:  # walk the click tree as far as the words name sub-commands
            # get_command, not .commands: plugins' commands (ablate) are looked up, not stored
            if not isinstance(command, click.Group) or command.get_command(None, word) is None:
                break
            command = command.get_command(None, word)
            path.append(word)
        paths.append(tuple(path))
    return paths


def command_at(path: tuple[str, ...]) -> click.Command:
    command = main
    for word in path:
        command = command.get_command(None, word)
    return command


def test_the_table_is_found_and_names_real_commands():
    paths = documented_commands()
    assert len(paths) >= 10 and all(paths), paths
    assert ("data", "stats") in paths and ("export", "lm-eval") in paths


@pytest.mark.parametrize("path", documented_commands(), ids=" ".join)
def test_help_works_and_every_option_is_explained(path):
    result = CliRunner().invoke(main, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and "Traceback" not in result.output
    command = command_at(path)
    assert command.help, f"`ercbench {' '.join(path)}` has no description"
    silent = [param.opts[0] for param in command.params if isinstance(param, click.Option) and not param.help]
    assert silent == [], f"`ercbench {' '.join(path)}`: options without help text: {', '.join(silent)}"


def every_command(command: click.Command = main, path: tuple[str, ...] = ()):
    yield path, command
    if isinstance(command, click.Group):
        for name in command.list_commands(None):
            yield from every_command(command.get_command(None, name), (*path, name))


def test_every_results_dir_option_names_its_environment_variable_once():
    helps = {path: param.help for path, command in every_command() for param in command.params
             if "--results-dir" in getattr(param, "opts", ())}
    assert len(helps) >= 8
    for path, text in helps.items():
        assert "$ERCBENCH_RESULTS" in text and "default:" not in text, (path, text)
