"""Dialogue-level bootstrap confidence intervals for accuracy, weighted F1 and macro F1."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from harness.types import Prediction

RESAMPLES = 1000
SEED = 0
LEVEL = 0.95
CI_METRICS = ("accuracy", "weighted_f1", "macro_f1")


def dialogue_of(prediction: Prediction) -> str:
    """A prediction's dialogue: its `dialogue_id`, else the middle of a 'split/dialogue/index' id."""
    if prediction.dialogue_id is not None:
        return str(prediction.dialogue_id)
    parts = prediction.example_id.rsplit("/", 2)
    # Without a recorded dialogue each utterance is its own unit (the plain, optimistic bootstrap).
    return parts[1] if len(parts) == 3 else prediction.example_id


def dialogue_counts(predictions: Sequence[Prediction], labels: Sequence[str]):
    """(dialogue ids, counts): counts[d, g, p] = utterances of dialogue d with gold g predicted p.

    Column len(labels) holds answers outside the label set (unparseable ones included).
    """
    index: dict[str | None, int] = {label: i for i, label in enumerate(labels)}
    order: dict[str, int] = {}
    cells = []
    for prediction in predictions:
        d = order.setdefault(dialogue_of(prediction), len(order))
        g = index.get(prediction.gold)
        if g is None:
            continue  # a gold label outside the task's labels scores in no F1 (as metrics.per_label)
        cells.append((d, g, index.get(prediction.predicted, len(labels))))
    counts = np.zeros((len(order), len(labels), len(labels) + 1), dtype=np.int64)
    for d, g, p in cells:
        counts[d, g, p] += 1
    return list(order), counts


def draw(n_dialogues: int, resamples: int = RESAMPLES, seed: int = SEED) -> np.ndarray:
    """Dialogue indices drawn with replacement: one row of n_dialogues per resample."""
    return np.random.default_rng(seed).integers(0, n_dialogues, size=(resamples, n_dialogues))


def weights(indices: np.ndarray, n_dialogues: int) -> np.ndarray:
    """How often each dialogue was drawn in each resample (resamples x dialogues)."""
    resamples = indices.shape[0]
    flat = (indices + np.arange(resamples)[:, None] * n_dialogues).ravel()
    return np.bincount(flat, minlength=resamples * n_dialogues).reshape(resamples, n_dialogues)


def scores_of(confusions: np.ndarray) -> dict[str, np.ndarray]:
    """Accuracy, weighted and macro F1 of a stack of (gold x predicted+other) count matrices."""
    n_labels = confusions.shape[-2]
    diagonal = np.einsum("...ii->...i", confusions[..., :n_labels])
    support = confusions.sum(axis=-1)
    predicted = confusions[..., :n_labels].sum(axis=-2)
    total = support.sum(axis=-1)
    denominator = support + predicted
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(denominator > 0, 2 * diagonal / np.maximum(denominator, 1), 0.0)
        accuracy = np.where(total > 0, diagonal.sum(axis=-1) / np.maximum(total, 1), 0.0)
        weighted = np.where(total > 0, (f1 * support).sum(axis=-1) / np.maximum(total, 1), 0.0)
    return {"accuracy": accuracy, "weighted_f1": weighted, "macro_f1": f1.mean(axis=-1), "f1": f1}


def resampled_scores(counts: np.ndarray, indices: np.ndarray) -> dict[str, np.ndarray]:
    """Every metric once per resample, from the per-dialogue counts and the drawn indices."""
    w = weights(indices, counts.shape[0])
    confusions = (w @ counts.reshape(counts.shape[0], -1)).reshape(-1, *counts.shape[1:])
    return scores_of(confusions)


def interval(values: np.ndarray, level: float = LEVEL) -> list[float]:
    """The percentile interval holding `level` of the resampled values."""
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(values, [tail, 100 - tail])
    return [float(low), float(high)]


def bootstrap_ci(
    predictions: Sequence[Prediction],
    labels: Sequence[str],
    resamples: int = RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> dict[str, Any]:
    """The percentile CIs of run.json's `scores.ci`, resampling whole dialogues (seeded)."""
    dialogues, counts = dialogue_counts(predictions, labels)
    ci: dict[str, Any] = {
        "method": "percentile bootstrap over dialogues",
        "unit": "dialogue", "n_dialogues": len(dialogues),
        "resamples": resamples, "seed": seed, "level": level,
    }
    if not dialogues:
        return {**ci, **{metric: None for metric in CI_METRICS}}
    resampled = resampled_scores(counts, draw(len(dialogues), resamples, seed))
    return {**ci, **{metric: interval(resampled[metric], level) for metric in CI_METRICS}}
