"""Finished run folders written by hand (run.json + predictions.jsonl), for report tests."""

from __future__ import annotations

import json
import random
from pathlib import Path

from harness import metrics
from harness.run.bootstrap import bootstrap_ci
from harness.types import Prediction

LABELS = ("neutral", "joy", "sadness", "anger")


def predictions(seed: int, skill: float, dialogues: int = 40, task: str = "meld") -> list[dict]:
    """Same gold labels for every seed of one task (the data); answers right with probability `skill`."""
    data = random.Random(task)
    answers = random.Random(seed)
    rows = []
    for d in range(dialogues):
        for u in range(data.randint(2, 9)):
            gold = data.choice(LABELS)
            predicted = gold if answers.random() < skill else answers.choice(LABELS + (None,))
            rows.append({"id": f"test/dia{d}/{u}", "gold": gold, "predicted": predicted,
                         "raw": f"I think {predicted}", "dialogue_id": f"dia{d}"})
    return rows


def typed(rows: list[dict]) -> list[Prediction]:
    """Test rows (id, gold, predicted, optional dialogue_id and raw) as the Predictions a run reads back."""
    return [Prediction(row["id"], row["gold"], row["predicted"], row.get("raw"), dialogue_id=row.get("dialogue_id"))
            for row in rows]


def write_run(root: Path, run_id: str, rows: list[dict], *, task="meld", split="test", prompt="zero-shot",
              model="majority", prompt_args=None, model_args=None, labels=LABELS, started="2026-01-01T00:00:00",
              store_ci: bool = True, seed: int = 0, limit: int | None = None, parser: str = "strict",
              task_args=None) -> Path:
    folder = root / run_id
    folder.mkdir(parents=True)
    with open(folder / "predictions.jsonl", "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")
    gold = [row["gold"] for row in rows]
    predicted = [row["predicted"] for row in rows]
    scores = metrics.summarise(gold, predicted, labels)
    if store_ci:
        scores["ci"] = bootstrap_ci(typed(rows), labels)
    spec = {"task": task, "split": split, "prompt": prompt, "model": model, "seed": seed, "limit": limit,
            "parser": parser, "task_args": task_args or {}, "prompt_args": prompt_args or {},
            "model_args": model_args or {}}
    run = {"run_id": run_id, "spec": spec, "scores": scores, "n": len(rows),
           "n_unparsed": sum(p is None for p in predicted), "plugins": {"model": {"name": model, "version": "1"}},
           "task_info": {"name": task, "files": {"test.csv": "abc123"}}, "started": started, "duration_s": 1.5,
           "extra": {"answer_mode": "generate"}}
    (folder / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
    return folder
