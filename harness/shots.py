"""Few-shot sweeps: one run per k (k=0 is the zero-shot prompt) and a table of scores pivoted by k."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping, Sequence

from harness.errors import ConfigError
from harness.types import RunSpec, frozen_mapping

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


def pivot_shots(frame, value: str = "weighted_f1", index: Sequence[str] = ("task", "model")):
    """Rows (task, model[, ...]), one column per k, cells = `value`; runs without a k are left out."""
    import pandas as pd

    if "shots" not in frame.columns:
        raise ConfigError("the results have no 'shots' column to pivot on")
    rows = frame[frame["shots"].notna()].copy()
    if rows.empty:
        return pd.DataFrame()
    rows["shots"] = rows["shots"].astype(int)
    table = rows.pivot_table(index=list(index), columns="shots", values=value, aggfunc="max")
    table.columns = [f"k={k}" for k in table.columns]
    return table.reset_index()
