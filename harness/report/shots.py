"""Few-shot sweeps read back: finished runs as rows keyed by k, and the table pivoted by k."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from harness.registry import Registry
from harness.report import seeds
from harness.report.conditions import COLUMN
from harness.report.rows import LeaderboardRow, natural_rows
from harness.report.rows import frame as rows_frame
from harness.report.verify import verified
from harness.results.record import iter_finished
from harness.run.sweeps import shots_setting


def shot_rows(root: Path, registry: Registry, run_ids: Iterable[str] | None = None) -> list[LeaderboardRow]:
    """Finished few-shot runs (as their prompt strategies in `registry` say) as rows keyed by everything except
    what chose the demonstrations."""
    wanted = set(run_ids) if run_ids is not None else None
    rows = []
    for run in verified(iter_finished(root)):
        setting = shots_setting(run.spec.to_dict(), registry)
        if setting is None or (wanted is not None and run.run_id not in wanted):
            continue
        rows.append(LeaderboardRow.from_run(run.result, prompt=labelled("shots", setting.shared), k=setting.column,
                                            shots=setting.k))
    return rows


def labelled(name: str, options: Mapping[str, Any]) -> str:
    return f"{name}[{','.join(f'{k}={v}' for k, v in sorted(options.items()))}]" if options else name


def pivot_shots(rows: Sequence[LeaderboardRow], aggregate: str | None = None, with_conditions: bool = False):
    """Latest run per row (a row per seed when there are several) and k, or with aggregate='seeds'
    each score's mean, sd and seed count; columns (k, metric) in k order,
    rows (task, model, prompt, parser[, conditions])."""
    frame = rows_frame(rows)
    if frame.empty:
        return frame
    frame = frame.assign(seed=seeds.seed_text(frame))
    metrics = ["accuracy", "weighted_f1"]
    if aggregate == "seeds":
        keys = ["task", "model", "prompt", "parser", *([COLUMN] if with_conditions else [])]
        metrics += [*(f"{metric}_sd" for metric in metrics), "seeds"]
        latest = seeds.aggregate_seeds(frame, keys + ["k", "shots"], metrics[:2])
    else:
        keys = seeds.row_keys(frame, ["task", "model", "prompt", "parser", *([COLUMN] if with_conditions else [])])
        latest = seeds.latest(frame, keys + ["k"])
    table = latest.pivot_table(index=keys, columns="k", values=metrics, aggfunc="first")
    table = table.swaplevel(0, 1, axis=1)
    order = latest.drop_duplicates("k").sort_values(["shots", "k"])["k"]
    return natural_rows(table.reindex(columns=[(k, m) for k in order for m in metrics if (k, m) in table.columns]))


def shots_table(root: Path, registry: Registry, run_ids, with_reported: bool, aggregate: str | None = None):
    """The leaderboard pivoted by k (`ercbench leaderboard --pivot shots`), optionally with reported rows."""
    from harness.report.reported import load_reported, reported_runs

    reported = reported_runs(load_reported(), shot_rows=True) if with_reported else []
    return pivot_shots(shot_rows(root, registry, run_ids) + reported, aggregate, with_conditions=bool(reported))
