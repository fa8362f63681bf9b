"""Few-shot sweeps read back: finished runs as rows keyed by k, and the table pivoted by k."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from harness.discovery import default_registry
from harness.registry import Registry
from harness.report.rows import LeaderboardRow, oldest_first
from harness.report.rows import frame as rows_frame
from harness.results.store import iter_runs
from harness.run.sweeps import shots_setting
from harness.types import RunResult


def shot_rows(root: Path, run_ids: Iterable[str] | None = None, registry: Registry | None = None) -> list[LeaderboardRow]:
    """Finished few-shot runs as rows keyed by everything except what chose the demonstrations."""
    registry = registry or default_registry()
    wanted = set(run_ids) if run_ids is not None else None
    rows = []
    for run in iter_runs(root):
        setting = shots_setting(run["spec"], registry)
        if setting is None or (wanted is not None and run["run_id"] not in wanted):
            continue
        result = RunResult.from_json(run, Path(run["folder"]) / "run.json")
        rows.append(LeaderboardRow.from_run(result, prompt=labelled("shots", setting.shared), k=setting.column,
                                            shots=setting.k))
    return rows


def labelled(name: str, options: Mapping[str, Any]) -> str:
    return f"{name}[{','.join(f'{k}={v}' for k, v in sorted(options.items()))}]" if options else name


def pivot_shots(rows: Sequence[LeaderboardRow]):
    """Latest run per row and k; columns (k, metric) in k order, rows (task, model, prompt, parser)."""
    frame = rows_frame(rows)
    if frame.empty:
        return frame
    keys = ["task", "model", "prompt", "parser"]
    latest = oldest_first(frame).groupby(keys + ["k"]).tail(1)
    table = latest.pivot_table(index=keys, columns="k", values=["accuracy", "weighted_f1"], aggfunc="first")
    table = table.swaplevel(0, 1, axis=1)
    order = latest.drop_duplicates("k").sort_values(["shots", "k"])["k"]
    return table.reindex(columns=[(k, m) for k in order for m in ("accuracy", "weighted_f1")])


def shots_table(root: Path, run_ids, with_reported: bool):
    """The leaderboard pivoted by k (`ercbench leaderboard --pivot shots`), optionally with reported rows."""
    from harness.report.reported import load_reported, reported_runs

    reported = reported_runs(load_reported(), shot_rows=True) if with_reported else []
    return pivot_shots(shot_rows(root, run_ids) + reported)
