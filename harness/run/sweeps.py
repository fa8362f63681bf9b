"""Few-shot sweeps: one run per k (k=0 is the zero-shot prompt) and a table of scores pivoted by k."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from harness.errors import ConfigError
from harness.report.rows import LeaderboardRow
from harness.report.rows import frame as rows_frame
from harness.results.store import iter_runs
from harness.types import RunResult, RunSpec, frozen_mapping

ZERO_SHOT = "zero-shot"
K_SHOT = "k-shot"
# Options only k-shot understands; zero-shot must not receive them.
K_SHOT_OPTIONS = ("k", "selection", "encoder")


def parse_shots(text: str) -> list[int]:
    """'0,1,3,5' -> [0, 1, 3, 5]: whole numbers >= 0, no repeats, order kept."""
    values = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit():
            raise ConfigError(f"--shots takes comma-separated whole numbers like 0,1,3,5, got {text!r}")
        if int(part) in values:
            raise ConfigError(f"--shots lists {part} twice")
        values.append(int(part))
    return values


def shot_specs(spec: RunSpec, shots: Sequence[int]) -> list[RunSpec]:
    """The spec once per k: zero-shot for k=0, k-shot with option k otherwise; other options kept."""
    if spec.prompt not in (ZERO_SHOT, K_SHOT):
        raise ConfigError(f"--shots sweeps the zero-shot/k-shot prompts, not {spec.prompt!r}")
    shared = {key: value for key, value in spec.prompt_args.items() if key not in K_SHOT_OPTIONS}
    extra = {key: value for key, value in spec.prompt_args.items() if key in K_SHOT_OPTIONS and key != "k"}
    specs = []
    for k in shots:
        if k == 0:
            specs.append(replace(spec, prompt=ZERO_SHOT, prompt_args=frozen_mapping(shared)))
        else:
            specs.append(replace(spec, prompt=K_SHOT, prompt_args=frozen_mapping({**shared, **extra, "k": str(k)})))
    return specs


def shots_of(spec: Mapping[str, Any]) -> int | None:
    """k of a run (from run.json's spec dict): 0 for zero-shot, the k option for k-shot, else None."""
    if spec.get("prompt") == ZERO_SHOT:
        return 0
    if spec.get("prompt") == K_SHOT:
        k = (spec.get("prompt_args") or {}).get("k", "3")  # k-shot's default k
        return int(k) if str(k).isdigit() else None
    return None


def shot_column(spec: Mapping[str, Any]) -> str | None:
    """'k=3' (plus the selection when it is not random), or None for a run that is not a shot run."""
    k = shots_of(spec)
    if k is None:
        return None
    selection = (spec.get("prompt_args") or {}).get("selection", "random")
    return f"k={k}" if k == 0 or selection == "random" else f"k={k} {selection}"


def shot_rows(root: Path, run_ids: Iterable[str] | None = None) -> list[LeaderboardRow]:
    """Finished zero-/k-shot runs as rows keyed by everything except k (and k-shot's own options)."""
    wanted = set(run_ids) if run_ids is not None else None
    rows = []
    for run in iter_runs(root):
        spec = run["spec"]
        column = shot_column(spec)
        if column is None or (wanted is not None and run["run_id"] not in wanted):
            continue
        shared = {k: v for k, v in (spec.get("prompt_args") or {}).items() if k not in K_SHOT_OPTIONS}
        result = RunResult.from_json(run, Path(run["folder"]) / "run.json")
        rows.append(LeaderboardRow.from_run(result, prompt=labelled("shots", shared), k=column, shots=shots_of(spec)))
    return rows


def labelled(name: str, options: Mapping[str, Any]) -> str:
    return f"{name}[{','.join(f'{k}={v}' for k, v in sorted(options.items()))}]" if options else name


def pivot_shots(rows: Sequence[LeaderboardRow]):
    """Latest run per row and k; columns (k, metric) in k order, rows (task, model, prompt, parser)."""
    frame = rows_frame(rows)
    if frame.empty:
        return frame
    keys = ["task", "model", "prompt", "parser"]
    latest = frame.sort_values("started").groupby(keys + ["k"]).tail(1)
    table = latest.pivot_table(index=keys, columns="k", values=["accuracy", "weighted_f1"], aggfunc="first")
    table = table.swaplevel(0, 1, axis=1)
    order = latest.drop_duplicates("k").sort_values(["shots", "k"])["k"]
    return table.reindex(columns=[(k, m) for k in order for m in ("accuracy", "weighted_f1")])


def expand_shots(specs: Sequence[RunSpec], shots: str | None) -> list[RunSpec]:
    """Without --shots the specs as given; with it, each spec once per k, duplicates dropped."""
    if not shots:
        return list(specs)
    ks = parse_shots(shots)
    expanded: dict[str, RunSpec] = {}
    for spec in specs:
        for one in shot_specs(spec, ks):
            expanded.setdefault(json.dumps(one.to_dict(), sort_keys=True), one)
    return list(expanded.values())


def leaderboard_table(root: Path, run_ids, sort_by: str | None, with_reported: bool, pivot_by: str):
    """The table `ercbench leaderboard`/`compare` shows: by task or by k, optionally with reported rows."""
    import pandas as pd

    from harness.report import leaderboard
    from harness.report.reported import load_reported, reported_runs

    reported = load_reported() if with_reported else []
    if pivot_by == "shots":
        return pivot_shots(shot_rows(root, run_ids) + reported_runs(reported, shot_rows=True))
    runs = leaderboard.load_runs(root, run_ids)
    if reported:
        extra = rows_frame(reported_runs(reported))
        runs = pd.concat([runs, extra], ignore_index=True) if not runs.empty else extra
    return leaderboard.pivot(runs, sort_by)
