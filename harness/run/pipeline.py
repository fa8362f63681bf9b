"""run(RunSpec) -> (RunResult, folder): the entry every command uses; the run itself is run_one's."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from harness.context import RunContext
from harness.run.executor import Interrupted, RunOptions
from harness.run.run_one import run_one
from harness.run.stages import Components, instantiate, make_run_id, select_examples, split_ref
from harness.types import RunResult, RunSpec

__all__ = ["Components", "Interrupted", "RunOptions", "instantiate", "make_run_id", "run", "select_examples",
           "split_ref"]


def run(spec: RunSpec, context: RunContext, options: RunOptions | None = None,
        **settings: Any) -> tuple[RunResult, Path]:
    """Run one spec end to end (see run_one); returns the result and the folder it was written to.

    `settings` are RunOptions' fields (results_dir, resume, force, ...), for callers without one.
    """
    finished = run_one(spec, context, replace(options or RunOptions(), **settings))
    return finished.result, finished.folder
