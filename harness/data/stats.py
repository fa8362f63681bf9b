"""Per-split statistics of a task: utterances, dialogues, label distribution (to compare with published counts)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from harness.interfaces import Task


def split_stats(task: Task, split: str) -> dict[str, Any]:
    dialogues = task.enriched_dialogues(split)
    utterances = [u for d in dialogues for u in d.utterances]
    labelled = Counter(u.emotion for u in utterances if u.emotion is not None)
    return {
        "utterances": sum(labelled.values()),
        "turns": len(utterances),
        "dialogues": len(dialogues),
        "labels": {label: labelled.get(label, 0) for label in task.labels},
        "with_description": sum(u.description is not None for u in utterances),
    }


def task_stats(task: Task) -> dict[str, Any]:
    """Every split's statistics, plus the task's provenance (variant, format, files)."""
    splits = {split: split_stats(task, split) for split in task.splits()}
    return {"task": task.name, "splits": splits, "info": task.run_info()}
