"""What every command shares: one-line errors, KEY=VALUE options, shared validators."""

from __future__ import annotations

import errno
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import click

from harness.errors import ErcbenchError

# Optional libraries -> the extra that installs them (plugins import them lazily).
EXTRAS = {"torch": "hf", "transformers": "hf", "tokenizers": "hf", "accelerate": "hf", "safetensors": "hf",
          "peft": "train", "matplotlib": "report", "scipy": "report", "lm_eval": "lm-eval", "av": "video"}

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


class Limit(click.ParamType):
    """--limit N: a positive whole number of examples (the first N); a fraction is refused saying so."""

    name = "integer"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return positive_limit(ctx, param, value)
        try:
            return positive_limit(ctx, param, int(str(value).strip()))
        except ValueError:
            pass
        what = "a fraction" if _is_number(str(value)) else "not a whole number"
        self.fail(f"{value!r} is {what}; --limit takes a number of examples, the first N, e.g. --limit 100",
                  param, ctx)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def takes(declared: Sequence[str], key: str) -> bool:
    """Whether a plugin with these option names (prefix options as 'prefix<key>') accepts `key`."""
    prefixes = tuple(item[: -len("<key>")] for item in declared if item.endswith("<key>"))
    return key in declared or bool(prefixes and key.startswith(prefixes))


def one_name_per_flag(names: Sequence[str], known: Sequence[str], flag: str, where: str = "") -> None:
    """Refuse `-t a,b`: several plugins are named by repeating the flag (`where`: the command that takes several)."""
    for name in names:
        base = name.partition(":")[0]
        if "," in base and base not in known:
            parts = [part.strip() for part in name.split(",") if part.strip()]
            raise click.UsageError(f"{flag} {name}: one name per {flag}; repeat {flag} for several"
                                   f"{where}: {' '.join(f'{flag} {part}' for part in parts)}")


def one_pair_per_flag(pairs: Sequence[str], declared: Sequence[str], flag: str) -> None:
    """Refuse `--model-opt k=v,k=v`: repeat the flag. A value that is itself a k=v,k=v string (lm-eval's
    model_args=pretrained=X,dtype=Y) is one option and passes."""
    for pair in pairs:
        pieces = re.split(r",\s*(?=[\w.-]+=)", pair)
        key, _, value = pieces[0].partition("=")
        if len(pieces) > 1 and "=" not in value and takes(declared, key):
            raise click.UsageError(f"{flag} {pair}: one K=V per {flag}; repeat it: "
                                   f"{' '.join(f'{flag} {piece}' for piece in pieces)}")


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


def where_pairs(ctx, param, values) -> dict[str, str]:
    """--where K=V (repeatable) -> {K: V}; a malformed one is refused in one line."""
    pairs = {}
    for value in values:
        key, sep, wanted = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r}: write K=V", ctx, param)
        pairs[key.strip()] = wanted.strip()
    return pairs
