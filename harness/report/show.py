"""`ercbench show`: a run's examples as the model got them: the prompt (rebuilt from run.json's spec), the raw
answer, the parsed label and each label's log-prob."""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping, Sequence

from harness.context import RunContext
from harness.errors import ConfigError
from harness.report.identity import run_label
from harness.results.record import FinishedRun
from harness.types import Prediction, Prompt, RunResult

UNPARSED = "(unparsed)"


def field(row: Prediction, key: str) -> str | None:
    """A prediction's field as `--where` compares it; None when the prediction has no such field."""
    known = {"id": row.example_id, "gold": row.gold, "predicted": row.predicted or UNPARSED,
             "dialogue_id": row.dialogue_id, "fallback": str(row.fallback).lower()}
    if key in known:
        return known[key]
    return str(row.extra[key]) if key in row.extra else None


def chosen(rows: Sequence[Prediction], examples: Sequence[str] = (), wrong: bool = False,
           where: Mapping[str, str] | None = None) -> list[Prediction]:
    """The predictions asked for, in file order: by id, only wrong ones, and/or matching every K=V."""
    for key in where or {}:
        if rows and all(field(row, key) is None for row in rows):
            raise ConfigError(f"--where {key}=...: predictions have no field {key!r} "
                              "(fields: id, gold, predicted, dialogue_id, fallback)")
    missing = sorted(set(examples) - {row.example_id for row in rows})
    if missing:
        like = f" (ids look like {rows[0].example_id!r})" if rows else ""
        raise ConfigError(f"--example {missing[0]}: no such example in this run{like}")
    picked = []
    for row in rows:
        if examples and row.example_id not in examples:
            continue
        if wrong and row.predicted == row.gold:
            continue
        if any(field(row, key) != value for key, value in (where or {}).items()):
            continue
        picked.append(row)
    return picked


def rebuild(recorded: RunResult, ids: Iterable[str], context: RunContext) -> tuple[dict[str, Prompt], list[str]]:
    """The prompts of these examples, built as the run built them (task, prompt and seed of its spec), and
    notes where today's data or prompt settings differ from what run.json recorded."""
    registry, spec = context.registry, recorded.spec
    task = registry.task(spec.task)(context.data_dir, **spec.task_args)
    strategy = registry.prompt(spec.prompt)(**spec.prompt_args)
    wanted = set(ids)
    examples = [e for e in task.examples(spec.split)[: spec.limit] if e.example_id in wanted]
    strategy.prepare(task, context.with_seed(spec.seed))
    prompts = {prompt.example.example_id: prompt for prompt in strategy.build(examples)}
    notes = []
    if recorded.prompt_info and normal(strategy.info()) != normal(dict(recorded.prompt_info)):
        notes.append("the prompt settings differ from those run.json records (another ercbench version?): "
                     "the prompts below may differ from the ones the model got")
    files = recorded.task_info.get("files")
    if files and normal((task.info() or {}).get("files")) != normal(files):
        notes.append("the task's data files differ from those the run read (sha256 in run.json): "
                     "the prompts below are built from today's files")
    return prompts, notes


def normal(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def prompt_lines(prompt: Prompt | None) -> list[str]:
    if prompt is None:
        return ["prompt: (this example is not in today's data)"]
    if prompt.text is not None:
        return ["prompt:", *indented(prompt.text)]
    lines = ["prompt (chat messages; a model with a chat template renders them with it):"]
    for role, content in prompt.messages or ():
        lines += [f"  [{role}]", *indented(content, "    ")]
    return lines


def indented(text: str, pad: str = "  ") -> list[str]:
    return [pad + line for line in text.split("\n")]


def example_lines(row: Prediction, prompt: Prompt | None) -> list[str]:
    verdict = "right" if row.predicted == row.gold else "wrong"
    lines = [f"── {row.example_id}: gold {row.gold}, predicted {row.predicted or UNPARSED} ({verdict})"
             + (", a seeded guess: the parser read no label" if row.fallback else "")]
    if prompt is not None and prompt.example.gold != row.gold:
        lines.append(f"note: today's data say gold {prompt.example.gold}; the run recorded {row.gold}")
    lines += prompt_lines(prompt)
    lines.append(f"raw answer: {json.dumps(row.raw, ensure_ascii=False)}")
    if row.logprobs:
        ranked = sorted(row.logprobs.items(), key=lambda item: -item[1])
        lines.append("log-probs: " + ", ".join(f"{label} {value:.3f}" for label, value in ranked))
    if row.truncated_tokens:
        lines.append(f"truncated: {row.truncated_tokens} tokens cut from the prompt's start to fit the model")
    return lines


def show(run: FinishedRun, picked: Sequence[Prediction], first: int, context: RunContext) -> list[str]:
    """The lines `ercbench show` prints for the first `first` picked predictions."""
    rows = run.predictions()
    lines = [f"run {run.run_id}", run_label(run.spec.to_dict()),
             f"{len(picked)} of {len(rows)} predictions match" + (f"; the first {first} shown (--first N shows more)"
                                                                    if len(picked) > first else "")]
    shown = picked[:first]
    if not shown:
        return lines
    prompts, notes = rebuild(run.result, [row.example_id for row in shown], context)
    lines += [f"note: {note}" for note in notes]
    for row in shown:
        lines += example_lines(row, prompts.get(row.example_id))
    return lines
