"""What every command shares: one-line errors, KEY=VALUE options, shared validators."""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import click

from harness.errors import ErcbenchError

# Optional libraries -> the extra that installs them (plugins import them lazily).
EXTRAS = {"torch": "hf", "transformers": "hf", "tokenizers": "hf", "accelerate": "hf", "safetensors": "hf",
          "peft": "train", "matplotlib": "report", "scipy": "report", "lm_eval": "lm-eval"}

# What to do about a failed file operation, by errno; the path itself comes from the exception.
_NOT_WRITABLE = "choose a folder you can write to (--results-dir, --out) or fix its permissions"
_IN_THE_WAY = "a file is where a folder is needed: remove it or choose another path"
OS_ERROR_FIXES = {
    errno.EACCES: _NOT_WRITABLE, errno.EPERM: _NOT_WRITABLE, errno.EROFS: _NOT_WRITABLE,
    errno.EEXIST: _IN_THE_WAY, errno.ENOTDIR: _IN_THE_WAY,
    errno.EISDIR: "a folder is where a file is needed: remove it or choose another path",
    errno.ENOSPC: "free some disk space or choose a folder on another disk",
}


def os_error_line(exc: OSError) -> str:
    """One line naming the path, what went wrong and the fix, for a failed read or write."""
    fix = OS_ERROR_FIXES.get(exc.errno or 0)
    if exc.filename is None or exc.strerror is None:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"{first}; {fix}" if fix else first
    where = f"{exc.filename} -> {exc.filename2}" if exc.filename2 else str(exc.filename)
    return f"{where}: {exc.strerror.lower()}" + (f"; {fix}" if fix else "")


def usage_line(exc: click.UsageError) -> click.UsageError:
    """A usage error without click's usage block: one line that names where the help is (exit 2 kept)."""
    if exc.ctx is None:
        return exc
    return click.UsageError(f"{exc.format_message()} (see '{exc.ctx.command_path} --help')")


class ErcbenchGroup(click.Group):
    """Shows our own errors, a usage error, a failed file operation and a missing optional library as one line."""

    def make_context(self, *args, **kwargs) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            raise usage_line(exc) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise usage_line(exc) from None
        except ErcbenchError as exc:
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:  # the reader left (`| head`): click then exits quietly, as Unix tools do
            raise
        except OSError as exc:
            raise click.ClickException(os_error_line(exc)) from None
        except ModuleNotFoundError as exc:
            top = (exc.name or "").split(".")[0]
            if top not in EXTRAS:
                raise
            raise click.ClickException(
                f"this needs {top}, which is not installed: pip install 'ercbench[{EXTRAS[top]}]'"
            ) from None


def no_runs_line(results_dir: Path) -> str:
    """Why a leaderboard or report has nothing to show: a mistyped folder, or no run finished there yet."""
    if not Path(results_dir).is_dir():
        return f"{results_dir}: no such folder; pass the --results-dir (or $ERCBENCH_RESULTS) your runs were written to"
    return f"no finished runs under {results_dir}; `ercbench run` or `ercbench compare` writes them"


def parse_options(pairs: Sequence[str], flag: str) -> dict[str, str]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint=flag)
        options[key.strip()] = value
    return options


def positive_limit(ctx, param, value):
    if value is not None and value <= 0:
        raise click.BadParameter(f"must be a positive number, got {value}")
    return value


def writable_folder(ctx, param, value):
    """A folder the command will write into: refused up front if a file is in the way or it cannot be written."""
    if value is None:
        return value
    path = Path(value).expanduser()
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        what = "is a file" if existing == path else f"cannot be created: {existing} is a file"
        raise click.BadParameter(f"{path} {what}, not a folder; remove it or pass another folder")
    if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        raise click.BadParameter(f"{existing} is not writable; {_NOT_WRITABLE}")
    return value


def results_folder(ctx, param, value):
    """--results-dir: as writable_folder, except that a read-only folder holding finished runs is
    accepted (they can be reused without writing; a run to compute is refused then, in one line)."""
    path = Path(value).expanduser() if value is not None else None
    if path is not None and path.is_dir() and not os.access(path, os.W_OK | os.X_OK) and os.access(path, os.R_OK):
        if any(child.is_file() for child in path.glob("*/run.json")):
            return value
    return writable_folder(ctx, param, value)


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Our errors as one `Error: ...` line and exit status 1, also when a group runs on its own."""
    try:
        yield
    except ErcbenchError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(os_error_line(exc)) from None
