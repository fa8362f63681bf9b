"""Scores shown only when they follow from the predictions: run.json's digest holds, or recomputing agrees."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from harness.results.check import read_rows, score_problem
from harness.results.store import DIGEST_KEY, PREDICTIONS_FILE, scores_digest, warn


def problem(run: Mapping[str, Any]) -> str | None:
    """Why a loaded run's scores cannot be shown, or None. Cheap when run.json's digest matches (one hash);
    else (an older run.json, or anything edited) the scores are recomputed from predictions.jsonl."""
    path = Path(run["folder"]) / PREDICTIONS_FILE
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"{path}: cannot read: {exc.strerror or exc}"
    if run.get(DIGEST_KEY) == scores_digest(data, run):
        return None
    rows, _, bad = read_rows(path)
    return bad or score_problem(dict(run), rows)


def verified(runs: Iterable[dict[str, Any]], on_bad: Callable[[str], None] | None = warn) -> Iterator[dict[str, Any]]:
    """The runs whose scores agree with their predictions; each other one is one warning line, and left out."""
    for run in runs:
        found = problem(run)
        if found is None:
            yield run
        elif on_bad is not None:
            on_bad(f"left out {run['folder']}: {found} (`ercbench results check` finds every such run)")
