"""Classification metrics as pure functions; they agree with scikit-learn (zero_division=0).

An unparseable prediction (None) counts as wrong for every label: it adds to the gold
label's false negatives and to no label's false positives.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence, TypedDict

from harness.types import Prediction

Label = str
Predicted = "str | None"


def _check(gold: Sequence[Label], predicted: Sequence[str | None]) -> None:
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")


def accuracy(gold: Sequence[Label], predicted: Sequence[str | None]) -> float:
    _check(gold, predicted)
    if not gold:
        return 0.0
    return sum(g == p for g, p in zip(gold, predicted)) / len(gold)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def per_label(
    gold: Sequence[Label], predicted: Sequence[str | None], labels: Sequence[Label]
) -> dict[Label, dict[str, float]]:
    """Precision, recall, F1 and support for each label, in the order given."""
    _check(gold, predicted)
    true_pos = Counter(g for g, p in zip(gold, predicted) if g == p)
    gold_count = Counter(gold)
    pred_count = Counter(p for p in predicted if p is not None)
    table = {}
    for label in labels:
        precision = _ratio(true_pos[label], pred_count[label])
        recall = _ratio(true_pos[label], gold_count[label])
        f1 = _ratio(2 * true_pos[label], pred_count[label] + gold_count[label])
        table[label] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": gold_count[label],
        }
    return table


def macro_f1(gold: Sequence[Label], predicted: Sequence[str | None], labels: Sequence[Label]) -> float:
    table = per_label(gold, predicted, labels)
    return sum(row["f1"] for row in table.values()) / len(labels) if labels else 0.0


def weighted_f1(
    gold: Sequence[Label], predicted: Sequence[str | None], labels: Sequence[Label]
) -> float:
    table = per_label(gold, predicted, labels)
    total = sum(row["support"] for row in table.values())
    return _ratio(sum(row["f1"] * row["support"] for row in table.values()), total)


def confusion(
    gold: Sequence[Label], predicted: Sequence[str | None], labels: Sequence[Label]
) -> list[list[int]]:
    """Rows are gold labels, columns predicted labels, both in `labels` order."""
    _check(gold, predicted)
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted):
        if g in index and p in index:
            matrix[index[g]][index[p]] += 1
    return matrix


def summarise(
    gold: Sequence[Label], predicted: Sequence[str | None], labels: Sequence[Label]
) -> dict:
    """Every score a run reports, in one dict for run.json."""
    return {
        "accuracy": accuracy(gold, predicted),
        "weighted_f1": weighted_f1(gold, predicted, labels),
        "macro_f1": macro_f1(gold, predicted, labels),
        "per_label": per_label(gold, predicted, labels),
        "confusion": {"labels": list(labels), "matrix": confusion(gold, predicted, labels)},
    }


def score_predictions(predictions: Sequence[Prediction], labels: Sequence[Label]) -> dict:
    """`summarise` over typed predictions (gold against predicted, unparsed counted wrong)."""
    return summarise([p.gold for p in predictions], [p.predicted for p in predictions], labels)


class Counts(TypedDict):
    """A run's prediction counts, named as RunResult's fields (so they pass as keywords)."""

    n: int
    n_unparsed: int
    n_fallback: int
    n_truncated: int


def prediction_counts(predictions: Sequence[Prediction]) -> Counts:
    """The per-run counts a reader checks: total, unparsed, parser fallbacks, truncated contexts."""
    return {
        "n": len(predictions),
        "n_unparsed": sum(p.predicted is None for p in predictions),
        "n_fallback": sum(p.fallback for p in predictions),
        "n_truncated": sum(p.truncated_tokens > 0 for p in predictions),
    }
