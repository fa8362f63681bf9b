"""Finished runs -> a table: one row per model x prompt, accuracy and weighted F1 per task column."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from harness.errors import ConfigError
from harness.report import seeds
from harness.report.conditions import COLUMN
from harness.report.rows import LeaderboardRow, frame, natural_rows
from harness.report.verify import verified
from harness.results.record import FinishedRun, iter_finished

METRICS = ("accuracy", "weighted_f1")
SHORT = {"accuracy": "acc", "weighted_f1": "wF1", "macro_f1": "mF1"}
LABEL_PREFIX = "F1 "  # per-label F1 value columns: "F1 joy"


def run_row(run: FinishedRun, ci: Mapping[str, Any] | None = None, per_label: bool = False) -> dict[str, Any]:
    """One run as a leaderboard row; with `ci`, its interval bounds; with per_label, one 'F1 LABEL' each."""
    row = LeaderboardRow.from_run(run.result).to_dict()
    for metric in METRICS if ci else ():
        low, high = (ci or {}).get(metric) or (None, None)
        row.update({f"{metric}_lo": low, f"{metric}_hi": high})
    for label, f1 in run.result.per_label_f1().items() if per_label else ():
        row[f"{LABEL_PREFIX}{label}"] = f1
    return row


def load_runs(root: Path, run_ids: Iterable[str] | None = None, ci: bool = False, per_label: bool = False,
              progress: Callable[[int, int], None] | None = None):
    """Every finished run as a DataFrame row; with run_ids, only those."""
    wanted = set(run_ids) if run_ids is not None else None
    chosen = [run for run in verified(iter_finished(root)) if wanted is None or run.run_id in wanted]
    return runs_frame(chosen, ci, per_label, progress)


def runs_frame(runs: Sequence[FinishedRun], ci: bool = False, per_label: bool = False,
               progress: Callable[[int, int], None] | None = None):
    """Loaded runs as leaderboard rows. CIs missing from an older run.json are recomputed from its
    predictions.jsonl (progress reports each run)."""
    import pandas as pd

    from harness.report.stats import run_ci

    rows = []
    for done, run in enumerate(runs, 1):
        rows.append(run_row(run, run_ci(run) if ci else None, per_label))
        if progress:
            progress(done, len(runs))
    return pd.DataFrame(rows) if rows else frame([])


def value_columns(runs) -> list[str]:
    """The per-run values a pivot carries: scores, then CI bounds, then per-label F1 (label order)."""
    bounds = [f"{m}_{side}" for m in METRICS for side in ("lo", "hi") if f"{m}_{side}" in runs.columns]
    labels = [column for column in runs.columns if str(column).startswith(LABEL_PREFIX)]
    return [*METRICS, *bounds, *labels]


def pivot(runs, sort_by: str | None = None, aggregate: str | None = None, with_conditions: bool = False):
    """Latest run per (model, prompt, parser[, conditions][, seed], task); columns (task, value) plus total unparsed.

    Runs of several seeds get a row each; with aggregate='seeds' one row holds each score's mean,
    sample sd (`_sd`) and seed count (`seeds`) instead. Rows in natural order (a 5-shot row before a 10-shot one).
    """
    if runs.empty:
        return runs
    runs = runs.assign(seed=seeds.seed_text(runs))
    keys = ["model", "prompt", "parser", *([COLUMN] if with_conditions else [])]
    if aggregate == "seeds":
        values = [*METRICS, *(f"{metric}_sd" for metric in METRICS), "seeds"]
        latest = seeds.aggregate_seeds(runs, [*keys, "task"], METRICS)
        unparsed = seeds.latest(runs, [*keys, "task", "seed"]).groupby(keys)["unparsed"].sum(min_count=1)
    else:
        keys, values = seeds.row_keys(runs, keys), value_columns(runs)
        latest = seeds.latest(runs, [*keys, "task"])
        unparsed = latest.groupby(keys)["unparsed"].sum(min_count=1)
    table = latest.pivot_table(index=keys, columns="task", values=values, aggfunc="first")
    table = table.swaplevel(0, 1, axis=1)
    tasks = sorted({t for t, _ in table.columns})
    table = table.reindex(columns=[(t, v) for t in tasks for v in values if (t, v) in table.columns])
    # Published rows have no unparsed count: they show '-', not 0.
    table[("all", "unparsed")] = unparsed
    return sort_table(natural_rows(table), sort_by)


def task_table(root: Path, run_ids=None, sort_by: str | None = None, with_reported: bool = False,
               ci: bool = False, per_label: bool = False, progress=None, aggregate: str | None = None):
    """The by-task leaderboard, optionally with CI bounds and per-label F1 and published rows
    (or, with aggregate='seeds', mean ± sd across seeds)."""
    import pandas as pd

    from harness.report.reported import load_reported, reported_runs

    runs = load_runs(root, run_ids, ci=ci, per_label=per_label, progress=progress)
    reported = load_reported() if with_reported else []
    if reported:
        extra = frame(reported_runs(reported))
        runs = pd.concat([runs, extra], ignore_index=True) if not runs.empty else extra
    return pivot(runs, sort_by, aggregate, with_conditions=bool(reported))


def sort_table(table, sort_by: str | None):
    """Sort by 'TASK:SPLIT acc|wF1' (or a bare task column, meaning its wF1); best first."""
    if not sort_by:
        return table
    for task, metric in table.columns:
        names = {f"{task} {SHORT.get(metric, metric)}", f"{task} {metric}"}
        if sort_by in names or (sort_by == task and metric == "weighted_f1"):
            return table.sort_values((task, metric), ascending=False, na_position="last")
    choices = ", ".join(f"'{t} {SHORT.get(m, m)}'" for t, m in table.columns if not m.endswith(("_lo", "_hi")))
    raise ConfigError(f"cannot sort by {sort_by!r}; columns are {choices}")
