"""Finished runs -> a table: one row per model x prompt, accuracy and weighted F1 per task column."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Sequence

from harness.errors import ConfigError
from harness.report.rows import LeaderboardRow, columns, frame
from harness.results.store import iter_runs
from harness.types import RunResult

METRICS = ("accuracy", "weighted_f1")
SHORT = {"accuracy": "acc", "weighted_f1": "wF1"}


def load_runs(root: Path, run_ids: Iterable[str] | None = None):
    """Every finished run as a DataFrame row (a LeaderboardRow); with run_ids, only those."""
    wanted = set(run_ids) if run_ids is not None else None
    rows = [
        LeaderboardRow.from_run(RunResult.from_json(run, Path(run["folder"]) / "run.json"))
        for run in iter_runs(root)
        if wanted is None or run["run_id"] in wanted
    ]
    return frame(rows)


def run_row_columns() -> Sequence[str]:
    return columns()


def pivot(runs, sort_by: str | None = None):
    """Latest run per (model, prompt, parser, task); columns (task, metric) plus total unparsed."""
    if runs.empty:
        return runs
    latest = runs.sort_values("started").groupby(["model", "prompt", "parser", "task"]).tail(1)
    table = latest.pivot_table(
        index=["model", "prompt", "parser"], columns="task", values=list(METRICS), aggfunc="first"
    )
    table = table.swaplevel(0, 1, axis=1).sort_index(axis=1, level=0, sort_remaining=False)
    table = table.reindex(columns=[(t, m) for t in sorted({t for t, _ in table.columns}) for m in METRICS])
    table[("all", "unparsed")] = latest.groupby(["model", "prompt", "parser"])["unparsed"].sum()
    return sort_table(table, sort_by)


def sort_table(table, sort_by: str | None):
    """Sort by 'TASK:SPLIT acc|wF1' (or a bare task column, meaning its wF1); best first."""
    if not sort_by:
        return table
    for task, metric in table.columns:
        names = {f"{task} {SHORT.get(metric, metric)}", f"{task} {metric}"}
        if sort_by in names or (sort_by == task and metric == "weighted_f1"):
            return table.sort_values((task, metric), ascending=False, na_position="last")
    choices = ", ".join(f"'{t} {SHORT.get(m, m)}'" for t, m in table.columns)
    raise ConfigError(f"cannot sort by {sort_by!r}; columns are {choices}")


def to_rich(table, title: str = "ercbench leaderboard"):
    """A rich Table; the best value of each score column is shown bold green."""
    from rich.table import Table

    rich_table = Table(title=title)
    for name in table.index.names:
        rich_table.add_column(name)
    for task, metric in table.columns:
        header = f"{task}\n{SHORT.get(metric, metric)}"
        rich_table.add_column(header, justify="right")
    best = {col: table[col].max() for col in table.columns if col[1] in METRICS}
    for index, row in table.iterrows():
        cells = [str(part) for part in (index if isinstance(index, tuple) else (index,))]
        for col in table.columns:
            cells.append(_cell(row[col], col, best))
        rich_table.add_row(*cells)
    return rich_table


def _cell(value: Any, column: tuple[str, str], best: dict) -> str:
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if column[1] not in METRICS:
        return str(int(value))
    text = f"{100 * value:.2f}"
    return f"[bold green]{text}[/]" if value == best.get(column) else text


def to_flat(table):
    """Single-level columns ('meld:test acc'), for CSV, Markdown and JSON output."""
    flat = table.copy()
    flat.columns = [f"{task} {SHORT.get(metric, metric)}" for task, metric in table.columns]
    return flat.reset_index()


def to_markdown(flat) -> str:
    """A GitHub Markdown table (pandas' own needs the optional tabulate package)."""
    def fmt(value: Any) -> str:
        return f"{value:.4f}" if isinstance(value, float) else str(value)

    header = "| " + " | ".join(map(str, flat.columns)) + " |"
    rule = "|" + "|".join("---" for _ in flat.columns) + "|"
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in flat.itertuples(index=False)]
    return "\n".join([header, rule, *body])
