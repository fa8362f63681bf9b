"""A finished run's predictions as records, and its confidence intervals (stored, or recomputed from them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from harness.run.bootstrap import bootstrap_ci


def prediction_rows(folder: Path) -> list[dict[str, Any]]:
    """A run's predictions.jsonl as records ('id', 'gold', 'predicted', 'dialogue_id', ...)."""
    from harness.results.store import read_predictions

    return [prediction.to_json() for prediction in read_predictions(folder)]


def run_ci(run: Mapping[str, Any]) -> dict[str, Any]:
    """A loaded run's CIs: the ones stored in run.json, else recomputed from predictions.jsonl."""
    stored = (run.get("scores") or {}).get("ci")
    if stored:
        return stored
    return bootstrap_ci(prediction_rows(Path(run["folder"])), run["scores"]["confusion"]["labels"])
