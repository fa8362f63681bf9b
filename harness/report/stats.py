"""A finished run's confidence intervals: the ones in run.json, or recomputed from its predictions."""

from __future__ import annotations

from typing import Any, Mapping

from harness.results.record import FinishedRun
from harness.run.bootstrap import bootstrap_ci


def run_ci(run: FinishedRun) -> Mapping[str, Any]:
    """A loaded run's CIs: the ones stored in run.json, else recomputed from predictions.jsonl."""
    return run.result.ci or bootstrap_ci(run.predictions(), list(run.result.labels))
