"""What every command shares: one-line errors, KEY=VALUE options, shared validators."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

import click

from harness.errors import ErcbenchError

# Optional libraries -> the extra that installs them (plugins import them lazily).
EXTRAS = {"torch": "hf", "transformers": "hf", "tokenizers": "hf", "accelerate": "hf", "safetensors": "hf",
          "peft": "train", "matplotlib": "train", "lm_eval": "lm-eval"}


class ErcbenchGroup(click.Group):
    """Shows our own errors, and a missing optional library, as one line (exit 1), no traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ErcbenchError as exc:
            raise click.ClickException(str(exc)) from None
        except ModuleNotFoundError as exc:
            top = (exc.name or "").split(".")[0]
            if top not in EXTRAS:
                raise
            raise click.ClickException(
                f"this needs {top}, which is not installed: pip install 'ercbench[{EXTRAS[top]}]'"
            ) from None


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


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Our errors as one `Error: ...` line and exit status 1, also when a group runs on its own."""
    try:
        yield
    except ErcbenchError as exc:
        raise click.ClickException(str(exc)) from None
