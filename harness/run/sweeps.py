"""Few-shot sweeps: one run per k, as each prompt strategy declares, and a table of scores pivoted by k."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from harness.discovery import default_registry
from harness.errors import ConfigError
from harness.interfaces import PromptStrategy, Shots
from harness.registry import Registry
from harness.report.rows import LeaderboardRow
from harness.report.rows import frame as rows_frame
from harness.results.store import iter_runs
from harness.types import RunResult, RunSpec, frozen_mapping


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


def strategy(name: str, registry: Registry | None = None) -> type[PromptStrategy] | None:
    """The installed prompt strategy of that name, or None (a run recorded with a plugin not installed)."""
    registry = registry or default_registry()
    return registry.get("prompts", name).cls if name in registry.names("prompts") else None


def shot_specs(spec: RunSpec, shots: Sequence[int], registry: Registry | None = None) -> list[RunSpec]:
    """The spec once per k, as the prompt strategy says it shows k demonstrations; other options kept."""
    registry = registry or default_registry()
    cls = registry.get("prompts", spec.prompt).cls
    specs = []
    for k in shots:
        variant = cls.with_shots(k, dict(spec.prompt_args))
        if variant is None:
            able = [name for name in registry.names("prompts") if strategy(name, registry).with_shots(0, {})]
            raise ConfigError(f"--shots sweeps prompts that show demonstrations ({', '.join(able)}), "
                              f"not {spec.prompt!r}")
        prompt, options = variant
        specs.append(replace(spec, prompt=prompt, prompt_args=frozen_mapping(options)))
    return specs


def shots_setting(spec: Mapping[str, Any], registry: Registry | None = None) -> Shots | None:
    """Where a run (run.json's spec dict) sits in a few-shot sweep, as its prompt strategy says; else None."""
    cls = strategy(str(spec.get("prompt")), registry)
    return cls.shots(dict(spec.get("prompt_args") or {})) if cls is not None else None


def shots_of(spec: Mapping[str, Any], registry: Registry | None = None) -> int | None:
    """k of a run (from run.json's spec dict), or None for a run that is not part of a sweep."""
    setting = shots_setting(spec, registry)
    return setting.k if setting is not None else None


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
