"""What a plugin's own CLI command uses: the harness's option parsers and one run of a spec."""

from __future__ import annotations

from pathlib import Path

from harness.cli.common import Limit, parse_options, writable_folder
from harness.results.record import FinishedRun
from harness.types import RunSpec

__all__ = ["Limit", "parse_options", "run_spec", "writable_folder"]


def run_spec(spec: RunSpec, *, data_dir: Path | None, results_dir: Path | None) -> FinishedRun:
    """Run `spec` as `ercbench run` would (reusing a finished run of the same inputs); its finished folder.
    The plugins are the invoking command's (its session's registry)."""
    from harness.cli.session import current
    from harness.run import pipeline

    result, folder = pipeline.run(spec, current().context(data_dir=data_dir), results_dir=results_dir)
    return FinishedRun(result, folder)
