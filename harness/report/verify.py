"""Scores shown only when they follow from the predictions: run.json's digest holds, or recomputing agrees."""

from __future__ import annotations

import json
import math
import re
from typing import Callable, Iterable, Iterator

from harness import metrics
from harness.results.check import SCORES, read_rows
from harness.results.record import FinishedRun
from harness.results.store import PREDICTIONS_FILE, scores_digest, warn
from harness.types import RunResult


def problem(run: FinishedRun) -> str | None:
    """Why a loaded run's scores cannot be shown, or None. Cheap when run.json's digest matches (one hash);
    else (an older run.json, or anything edited) the scores are recomputed from predictions.jsonl."""
    path = run.folder / PREDICTIONS_FILE
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"{path}: cannot read: {exc.strerror or exc}"
    if run.digest is not None and run.digest == scores_digest(data, recorded(run.result)):
        return None
    try:
        gold, predicted = answers(data)
    except (ValueError, TypeError, KeyError, AttributeError):
        return read_rows(path)[2] or f"{path}: malformed (see `ercbench results check`)"
    return scores_problem(run.result, gold, predicted)


def recorded(result: RunResult) -> dict:
    """What the digest covers, as run.json records it."""
    return {"scores": result.to_json()["scores"], "n": result.n, "n_unparsed": result.n_unparsed}


# predictions.jsonl writes gold, then predicted, on each line: one regex pass finds them without parsing
# the rest (log-probs of every label), 20x faster than json; any doubt falls back to json.
PAIR = re.compile(rb'"gold": ("(?:[^"\\\n]|\\.)*"), "predicted": (null|"(?:[^"\\\n]|\\.)*")')


def answers(data: bytes) -> tuple[list[str], list[str | None]]:
    """Gold and predicted label of each line of predictions.jsonl."""
    pairs = PAIR.findall(data)
    if len(pairs) != data.count(b"\n"):  # a line written otherwise, or a nested look-alike: read it all
        rows = [json.loads(line) for line in data.splitlines()]
        return [row["gold"] for row in rows], [row.get("predicted") for row in rows]
    names = {quoted: text(quoted) for quoted in {q for pair in pairs for q in pair}}  # a few labels, many lines
    return [names[g] for g, _ in pairs], [names[p] for _, p in pairs]  # type: ignore[misc]


def text(quoted: bytes) -> str | None:
    if quoted == b"null":
        return None
    return json.loads(quoted) if b"\\" in quoted else quoted[1:-1].decode("utf-8")


def scores_problem(run: RunResult, gold: list[str], predicted: list[str | None]) -> str | None:
    """The first score or count of run.json that the predictions do not give, or None."""
    labels = list(run.labels) or sorted(set(gold))
    recomputed = {"accuracy": metrics.accuracy(gold, predicted),
                  "weighted_f1": metrics.weighted_f1(gold, predicted, labels),
                  "macro_f1": metrics.macro_f1(gold, predicted, labels)}
    for name in SCORES:
        stored = run.score(name)
        if stored is not None and not math.isclose(stored, recomputed[name], abs_tol=1e-9):
            return f"{name} {stored:.6f} in run.json but {recomputed[name]:.6f} from its predictions"
    unparsed = sum(label is None for label in predicted)
    if unparsed != run.n_unparsed:
        return f"n_unparsed {run.n_unparsed} in run.json but {unparsed} in its predictions"
    return None


def verified(runs: Iterable[FinishedRun], on_bad: Callable[[str], None] | None = warn) -> Iterator[FinishedRun]:
    """The runs whose scores agree with their predictions; each other one is one warning line, and left out."""
    for run in runs:
        found = problem(run)
        if found is None:
            yield run
        elif on_bad is not None:
            on_bad(f"left out {run.folder}: {found} (`ercbench results check` finds every such run)")
