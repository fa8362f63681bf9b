"""Copied as utils.py next to an exported lm-eval task: argmax answers and weighted/macro F1 like ercbench's."""

# Kept free of imports beyond the standard library: lm-eval loads it from the export folder.
from __future__ import annotations


def process_results(doc, results):
    """One document's (log-likelihood, is_greedy) per choice -> accuracy and (gold, predicted, labels)."""
    scores = [result[0] if isinstance(result, (tuple, list)) else result for result in results]
    best = max(range(len(scores)), key=lambda index: scores[index])
    predicted = doc["choice_labels"][best]
    item = (doc["gold_label"], predicted, tuple(doc["labels"]))
    return {"acc": float(predicted == doc["gold_label"]), "weighted_f1": item, "macro_f1": item}


def _per_label_f1(items):
    """{label: (f1, support)} over the task's full label list, zero_division=0 as in sklearn."""
    labels = items[0][2] if items else ()
    true_pos, gold_count, pred_count = {}, {}, {}
    for gold, predicted, _ in items:
        gold_count[gold] = gold_count.get(gold, 0) + 1
        pred_count[predicted] = pred_count.get(predicted, 0) + 1
        if gold == predicted:
            true_pos[gold] = true_pos.get(gold, 0) + 1
    table = {}
    for label in labels:
        denominator = gold_count.get(label, 0) + pred_count.get(label, 0)
        f1 = 2 * true_pos.get(label, 0) / denominator if denominator else 0.0
        table[label] = (f1, gold_count.get(label, 0))
    return table


def weighted_f1(items):
    table = _per_label_f1(items)
    total = sum(support for _, support in table.values())
    return sum(f1 * support for f1, support in table.values()) / total if total else 0.0


def macro_f1(items):
    table = _per_label_f1(items)
    return sum(f1 for f1, _ in table.values()) / len(table) if table else 0.0
