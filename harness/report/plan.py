"""A plan's declared tables from its finished runs: the leaderboard's own pivots, so the figures are the same."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.registry import Registry
from harness.report import formats, leaderboard
from harness.report.reported import load_reported, reported_runs
from harness.report.rows import frame
from harness.report.shots import pivot_shots, shot_rows
from harness.run.plan import Plan, TablePlan
from harness.run.plan_status import Folder


@dataclass(frozen=True)
class PlanTable:
    """One declared table, per seed with CIs; `across` the mean ± sd view when it aggregates seeds."""

    plan: TablePlan
    table: Any
    across: Any | None
    missing: int


def run_ids(plan: Plan, table: TablePlan, found: Folder) -> tuple[list[str], int]:
    """The latest finished run of each spec of the table's groups, and how many specs have none yet."""
    ids, missing = [], 0
    for spec in plan.specs(table.groups):
        run = found.latest(spec)
        if run is None:
            missing += 1
        else:
            ids.append(run.run_id)
    return ids, missing


def published(table: TablePlan, tasks: set[str], shots: bool) -> list:
    """The published rows the table asks for (all, or those of the named papers) on its tasks."""
    if table.published is False:
        return []
    rows = [row for row in load_reported() if row.dataset in tasks
            and (table.published is True or row.paper in table.published)]
    return reported_runs(rows, shot_rows=shots)


def keep(pivoted, table: TablePlan):
    """The declared metric's columns (with CI bounds, sd, seed count, unparsed); row labels not declared
    are dropped only where they hold one value, so no two runs merge into one row."""
    if pivoted.empty:
        return pivoted
    wanted = {table.metric, f"{table.metric}_lo", f"{table.metric}_hi", f"{table.metric}_sd", "seeds", "unparsed"}
    pivoted = pivoted[[column for column in pivoted.columns if column[1] in wanted]]
    for name in list(pivoted.index.names):
        if name not in table.rows and pivoted.index.get_level_values(name).nunique() <= 1 \
                and pivoted.index.nlevels > 1:
            pivoted = pivoted.droplevel(name)
    return pivoted


def build_table(plan: Plan, table: TablePlan, root: Path, found: Folder, registry: Registry) -> PlanTable:
    import pandas as pd

    ids, missing = run_ids(plan, table, found)
    tasks = {spec.task for spec in plan.specs(table.groups)}
    extra = published(table, tasks, shots=table.columns == "shots")
    if table.columns == "shots":
        rows = shot_rows(root, registry, ids) + extra
        per_seed = pivot_shots(rows)
        across = pivot_shots(rows, "seeds") if table.aggregate and ids else None
    else:
        runs = leaderboard.load_runs(root, ids, ci=True)
        if extra:
            runs = pd.concat([runs, frame(extra)], ignore_index=True) if not runs.empty else frame(extra)
        per_seed = leaderboard.pivot(runs)
        across = leaderboard.pivot(runs, aggregate="seeds") if table.aggregate and ids else None
    return PlanTable(table, keep(per_seed, table), None if across is None else keep(across, table), missing)


def plan_tables(plan: Plan, root: Path, registry: Registry) -> list[PlanTable]:
    """The plan's tables from the runs under root; few-shot k as the prompt strategies in `registry` say."""
    found = Folder.scan(root)
    return [build_table(plan, table, root, found, registry) for table in plan.tables]


def boards(result: PlanTable) -> list[tuple[str, formats.Board]]:
    """(title, board) of a table: per run with CIs, then across seeds when declared."""
    out = []
    if not result.table.empty:
        out.append((result.plan.title, formats.board(result.table, ci=True)))
    if result.across is not None and not result.across.empty:
        out.append((f"{result.plan.title} (mean ± sd across seeds)", formats.board(result.across)))
    return out
