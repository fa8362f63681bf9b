"""A finished run's confidence intervals: the ones in run.json, or recomputed from its predictions."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from harness.results.store import read_predictions
from harness.run.bootstrap import bootstrap_ci


def run_ci(run: Mapping[str, Any]) -> dict[str, Any]:
    """A loaded run's CIs: the ones stored in run.json, else recomputed from predictions.jsonl."""
    stored = (run.get("scores") or {}).get("ci")
    if stored:
        return stored
    return bootstrap_ci(read_predictions(Path(run["folder"])), run["scores"]["confusion"]["labels"])
