"""Write failures (a file in the way, a folder that cannot be written) are one line naming the path, exit 1."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.cli.common import os_error_line

READ_ONLY_PARENT = Path("/sys")  # writes there fail even for root (EPERM)


def commands(out: Path, tmp_path: Path) -> dict[str, list[str]]:
    """Every writing command, aimed at `out`; inputs that do not matter because the refusal comes first."""
    return {
        "run": ["run", "-t", "sample", "-m", "majority", "--results-dir", str(out)],
        "compare": ["compare", "--results-dir", str(out)],
        "ablate": ["ablate", "--checkpoint", str(tmp_path / "checkpoint"), "--results-dir", str(out)],
        "export": ["export", "lm-eval", "sample", "--out", str(out)],
        "train": ["train", "-t", "sample", "--base", str(tmp_path / "base"), "--out", str(out)],
    }


def assert_one_line_refusal(result, path: Path, fix: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    [line] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert str(path) in line and fix in line


@pytest.mark.parametrize("command", ["run", "compare", "ablate", "export", "train"])
def test_a_file_in_place_of_the_output_folder_is_refused_up_front(tmp_path, command):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    for out in (blocker, blocker / "below"):
        result = CliRunner().invoke(main, commands(out, tmp_path)[command])
        assert_one_line_refusal(result, out, "remove it or pass another folder")
        assert blocker.read_text() == "not a folder\n"


@pytest.mark.parametrize("command", ["run", "compare", "ablate", "export", "train"])
def test_a_folder_without_write_permission_is_refused_up_front(tmp_path, monkeypatch, command):
    out = tmp_path / "shared-results"
    out.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access",
                        lambda path, mode: not (Path(path) == out and mode & os.W_OK) and real_access(path, mode))
    result = CliRunner().invoke(main, commands(out, tmp_path)[command])
    assert_one_line_refusal(result, out, "choose a folder you can write to")
    assert list(out.iterdir()) == []


@pytest.mark.skipif(not READ_ONLY_PARENT.is_dir() or os.access(READ_ONLY_PARENT, os.W_OK) is False,
                    reason="needs a Linux /sys to stand for a read-only folder")
@pytest.mark.parametrize("command", ["run", "compare", "export"])
def test_a_write_that_fails_anyway_is_one_line_naming_the_path(tmp_path, command):
    out = READ_ONLY_PARENT / "ercbench-results"
    try:
        out.mkdir()
    except OSError:
        pass
    else:
        out.rmdir()
        pytest.skip("this /sys accepts writes")
    result = CliRunner().invoke(main, commands(out, tmp_path)[command])
    assert_one_line_refusal(result, out, "choose a folder you can write to")


@pytest.mark.parametrize(
    "exc, expected",
    [
        (PermissionError(errno.EACCES, "Permission denied", "/r/x"), "/r/x: permission denied; choose a folder"),
        (FileExistsError(errno.EEXIST, "File exists", "/r"), "/r: file exists; a file is where a folder is needed"),
        (OSError(errno.ENOSPC, "No space left on device", "/r/p"), "/r/p: no space left on device; free some disk"),
        (OSError(errno.EXDEV, "Invalid cross-device link", "/a", None, "/b"), "/a -> /b: invalid cross-device link"),
        (OSError("config.json missing\nsee the docs"), "config.json missing"),
    ],
)
def test_os_errors_become_one_line_with_the_path_and_the_fix(exc, expected):
    line = os_error_line(exc)
    assert line.startswith(expected) and "\n" not in line


def read_only(monkeypatch, folder: Path) -> None:
    """`folder` as on a read-only mount, even for root: access says no and every write there fails."""
    inside = lambda path: Path(os.fsdecode(path)).resolve().is_relative_to(folder.resolve())  # noqa: E731
    real_access, real_open, real_mkdir, real_io_open = os.access, os.open, os.mkdir, io.open

    def refuse(path):
        raise OSError(errno.EROFS, "Read-only file system", os.fsdecode(path))

    monkeypatch.setattr(os, "access", lambda path, mode, **kw: not (inside(path) and mode & os.W_OK)
                        and real_access(path, mode, **kw))
    monkeypatch.setattr(os, "open", lambda path, flags, *a, **kw: refuse(path) if inside(path) and flags & (
        os.O_WRONLY | os.O_RDWR | os.O_CREAT) else real_open(path, flags, *a, **kw))
    monkeypatch.setattr(os, "mkdir",
                        lambda path, *a, **kw: refuse(path) if inside(path) else real_mkdir(path, *a, **kw))
    monkeypatch.setattr(io, "open", lambda path, mode="r", *a, **kw: refuse(path) if inside(path) and set(mode) & set(
        "wax+") else real_io_open(path, mode, *a, **kw))


def test_a_read_only_results_folder_reuses_its_finished_runs_and_refuses_new_ones_in_one_line(tmp_path, monkeypatch):
    out = tmp_path / "published"
    command = ["run", "-t", "sample", "-m", "majority", "--results-dir", str(out)]
    assert CliRunner().invoke(main, command).exit_code == 0
    before = sorted(p.name for p in out.iterdir())
    read_only(monkeypatch, out)
    reused = CliRunner().invoke(main, command)
    assert reused.exit_code == 0 and "reusing the finished run" in reused.output, reused.output
    assert_one_line_refusal(CliRunner().invoke(main, [*command, "--limit", "3"]), out,
                            "choose a folder you can write to")
    monkeypatch.undo()
    assert sorted(p.name for p in out.iterdir()) == before
