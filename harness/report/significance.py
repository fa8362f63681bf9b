"""Is run B really better than run A? Paired dialogue bootstrap and McNemar's exact test."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from harness.errors import ConfigError
from harness.results.record import FinishedRun, read_finished
from harness.run import bootstrap
from harness.types import Prediction


@dataclass(frozen=True)
class MetricDiff:
    """B minus A on one metric, over the shared examples; the CI from the paired bootstrap."""

    metric: str
    a: float
    b: float
    low: float
    high: float
    p_value: float

    @property
    def delta(self) -> float:
        return self.b - self.a


@dataclass(frozen=True)
class Comparison:
    n: int
    n_dialogues: int
    diffs: tuple[MetricDiff, ...]
    only_a_right: int  # McNemar's discordant pairs
    only_b_right: int
    mcnemar_p: float
    resamples: int
    seed: int
    n_a: int | None = None  # each run's own example count: the shared n may be fewer
    n_b: int | None = None


def comparable(run_a: FinishedRun, run_b: FinishedRun) -> list[str]:
    """Refuse runs of different tasks (or task options), splits or label sets; returns the labels."""
    spec_a, spec_b = run_a.spec.to_dict(), run_b.spec.to_dict()
    for key, what in (("task", "tasks"), ("task_args", "task options"), ("split", "splits")):
        if (spec_a[key] or None) != (spec_b[key] or None):
            raise ConfigError(
                f"runs {run_a.run_id} and {run_b.run_id} are of different {what} "
                f"({spec_a[key]!r} vs {spec_b[key]!r}): only runs on the same data can be compared"
            )
    if run_a.result.labels != run_b.result.labels:
        raise ConfigError(f"runs {run_a.run_id} and {run_b.run_id} have different label sets: not comparable")
    return list(run_a.result.labels)


def shared_rows(rows_a: list[Prediction], rows_b: list[Prediction],
                names: tuple[str, str]) -> tuple[list[Prediction], list[Prediction]]:
    """The examples both runs predicted, in A's order; a differing gold label means different data."""
    by_id = {row.example_id: row for row in rows_b}
    pairs = [(row, by_id[row.example_id]) for row in rows_a if row.example_id in by_id]
    if not pairs:
        raise ConfigError(f"runs {names[0]} and {names[1]} share no example ids: nothing to compare")
    for a, b in pairs:
        if a.gold != b.gold:
            raise ConfigError(
                f"example {a.example_id} has gold {a.gold!r} in {names[0]} but {b.gold!r} in {names[1]}: different data"
            )
    # B is resampled by A's dialogues, so that both runs see the same draws.
    return [a for a, _ in pairs], [replace(b, dialogue_id=bootstrap.dialogue_of(a)) for a, b in pairs]


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value: a binomial test of the discordant pairs against 1/2."""
    from scipy.stats import binomtest

    if only_a + only_b == 0:
        return 1.0
    return float(binomtest(only_a, only_a + only_b, 0.5).pvalue)


def bootstrap_p(diffs: np.ndarray) -> float:
    """Two-sided: twice the share of resamples on the far side of zero (at most 1)."""
    below = float(np.mean(diffs <= 0))
    above = float(np.mean(diffs >= 0))
    return min(1.0, 2 * min(below, above))


def compare(run_a: FinishedRun, run_b: FinishedRun, resamples: int = bootstrap.RESAMPLES,
            seed: int = bootstrap.SEED) -> Comparison:
    """Both runs resampled with the same dialogue draws, so the difference is paired."""
    labels = comparable(run_a, run_b)  # refuse before reading predictions
    rows_a, rows_b = run_a.predictions(), run_b.predictions()
    n_a, n_b = len(rows_a), len(rows_b)
    rows_a, rows_b = shared_rows(rows_a, rows_b, (run_a.run_id, run_b.run_id))
    dialogues, counts_a = bootstrap.dialogue_counts(rows_a, labels)
    _, counts_b = bootstrap.dialogue_counts(rows_b, labels)
    indices = bootstrap.draw(len(dialogues), resamples, seed)
    boot_a, boot_b = bootstrap.resampled_scores(counts_a, indices), bootstrap.resampled_scores(counts_b, indices)
    point_a, point_b = bootstrap.scores_of(counts_a.sum(axis=0)), bootstrap.scores_of(counts_b.sum(axis=0))
    diffs = []
    for metric in bootstrap.CI_METRICS:
        delta = boot_b[metric] - boot_a[metric]
        low, high = bootstrap.interval(delta)
        diffs.append(MetricDiff(metric, float(point_a[metric]), float(point_b[metric]), low, high, bootstrap_p(delta)))
    right_a = [row.predicted == row.gold for row in rows_a]
    right_b = [row.predicted == row.gold for row in rows_b]
    only_a = sum(a and not b for a, b in zip(right_a, right_b))
    only_b = sum(b and not a for a, b in zip(right_a, right_b))
    return Comparison(len(rows_a), len(dialogues), tuple(diffs), only_a, only_b,
                      mcnemar_exact(only_a, only_b), resamples, seed, n_a, n_b)


NAMES = {"accuracy": "accuracy", "weighted_f1": "weighted F1", "macro_f1": "macro F1"}


def p_text(value: float, resamples: int | None = None) -> str:
    """'p=0.034'; below what the test can resolve, 'p<0.001' (never a misleading p=0.000)."""
    floor = max(0.001, 2 / resamples) if resamples else 0.001
    return f"p<{floor:.3g}" if value < floor else f"p={value:.3g}"


def verdict(result: Comparison, alpha: float = 0.05) -> list[str]:
    """Plain words: which run is ahead on each metric and whether the gap is more than noise."""
    lines = [f"{result.n} shared examples in {result.n_dialogues} dialogues; "
             f"{result.resamples} paired resamples of whole dialogues (seed {result.seed})."]
    if result.n_a is not None and {result.n_a, result.n_b} != {result.n}:
        lines.append(f"A has {result.n_a} examples and B {result.n_b}: every score below is on the {result.n} "
                     "shared ones, not the runs' own scores.")
    for diff in result.diffs:
        gap = f"{100 * abs(diff.delta):.2f} points ({100 * diff.a:.2f} vs {100 * diff.b:.2f})"
        ahead = "B" if diff.delta > 0 else "A"
        span = (f"95 % CI of B-A {100 * diff.low:+.2f} to {100 * diff.high:+.2f}, "
                f"{p_text(diff.p_value, result.resamples)}")
        if diff.delta == 0:
            lines.append(f"{NAMES[diff.metric]}: no difference ({100 * diff.a:.2f}).")
        elif diff.low > 0 or diff.high < 0:
            lines.append(f"{NAMES[diff.metric]}: {ahead} is better by {gap}; the gap is significant ({span}).")
        else:
            lines.append(f"{NAMES[diff.metric]}: {ahead} is ahead by {gap}, but that is within noise ({span}).")
    judged = "a significant" if result.mcnemar_p < alpha else "no significant"
    lines.append(
        f"McNemar's exact test on accuracy: {judged} difference ({p_text(result.mcnemar_p)}; "
        f"only A right {result.only_a_right}, only B right {result.only_b_right})."
    )
    return lines


def compare_folders(folder_a: Path, folder_b: Path, **kwargs) -> Comparison:
    return compare(read_finished(folder_a), read_finished(folder_b), **kwargs)
