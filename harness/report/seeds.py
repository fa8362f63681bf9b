"""Seeds as an axis: a row per seed, or each score's mean, sample standard deviation and seed count."""

from __future__ import annotations

from typing import Sequence

from harness.errors import ConfigError
from harness.report.rows import oldest_first

AGGREGATES = ("seeds",)
#: the sample standard deviation (n - 1 in the denominator), as numpy's std(ddof=1)
DDOF = 1


def seed_text(frame):
    """The seed column as text, '' for rows without one (published numbers), so it can be a row label."""
    import pandas as pd

    return frame["seed"].map(lambda seed: "" if pd.isna(seed) or seed == "" else str(int(seed)))


def row_keys(frame, keys: Sequence[str]) -> list[str]:
    """The row keys, plus seed when the runs span several seeds: a row per seed, never silently the latest."""
    seeds = {seed for seed in seed_text(frame) if seed}
    return [*keys, "seed"] if len(seeds) > 1 else list(keys)


def latest(frame, keys: Sequence[str]):
    """The latest run of each combination of keys (reruns of one spec replace each other)."""
    return oldest_first(frame).groupby(list(keys), dropna=False, sort=False).tail(1)


def aggregate_seeds(frame, keys: Sequence[str], values: Sequence[str]):
    """One row per combination of keys: each value's mean and sample sd (`VALUE_sd`, ddof=1) over the
    latest run of every seed, `seeds` the number of seeds (missing for rows without a seed), `started`
    the latest. A single seed has no sd (NaN), never 0."""
    frame = frame.assign(seed=seed_text(frame))
    per_seed = latest(frame, [*keys, "seed"])
    grouped = per_seed.groupby(list(keys), dropna=False, sort=False)
    out = grouped[list(values)].mean()
    out = out.join(grouped[list(values)].std(ddof=DDOF).add_suffix("_sd"))
    seeded = per_seed[per_seed["seed"] != ""].groupby(list(keys), dropna=False, sort=False).size()
    out["seeds"] = seeded.reindex(out.index)
    out["started"] = grouped["started"].max()
    return out.reset_index()


def check_aggregate(aggregate: str | None, ci: bool = False, per_label: bool = False) -> None:
    """An aggregate shows spread across seeds; a CI or per-label F1 belongs to one run."""
    if aggregate is not None and aggregate not in AGGREGATES:
        raise ConfigError(f"--aggregate takes {', '.join(AGGREGATES)}, not {aggregate!r}")
    if aggregate and (ci or per_label):
        raise ConfigError("--aggregate seeds shows mean ± sd across seeds; --ci and --per-label belong to single "
                          "runs: drop --aggregate to see each seed's row with them")
