"""Export a task + prompt strategy as an lm-evaluation-harness task folder (YAML, JSONL, utils.py)."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from harness.context import RunContext
from harness.errors import ConfigError
from harness.interfaces import PromptStrategy, Task
from harness.types import Prompt

UTILS_SOURCE = Path(__file__).with_name("lm_eval_utils.py")


@dataclass(frozen=True)
class Exported:
    """Where an export went and what lm-eval will call it."""

    task_name: str
    yaml_path: Path
    data_path: Path
    n: int


def lm_eval_task_name(task: str, prompt: str, split: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f"ercbench_{task}_{prompt}_{split}")


def prompt_row(prompt: Prompt) -> dict:
    """One JSONL document: the exact prompt text, its choices, and the gold as an index."""
    example = prompt.example
    if prompt.text is None:
        raise ConfigError(
            f"export: prompt for {example.example_id} is a chat prompt; lm-eval export needs text prompts "
            "(render chat prompts with the model's template by running ercbench's own hf model instead)"
        )
    choice_labels = [prompt.answer_map[choice] for choice in prompt.choices]
    if example.gold not in choice_labels:
        raise ConfigError(f"export: no choice of {example.example_id} stands for its gold label {example.gold!r}")
    return {
        "id": example.example_id,
        "text": prompt.text,
        "choices": list(prompt.choices),
        "choice_labels": choice_labels,
        "gold": choice_labels.index(example.gold),
        "gold_label": example.gold,
        "labels": list(example.labels),
    }


def task_yaml(name: str, data_path: Path, header: str) -> str:
    """multiple_choice with an empty target delimiter: the choices already carry their spacing."""
    return f"""# {header}
task: {name}
dataset_path: json
dataset_kwargs:
  data_files:
    test: {json.dumps(str(data_path))}
test_split: test
output_type: multiple_choice
doc_to_text: text
doc_to_choice: choices
doc_to_target: gold
target_delimiter: ""
num_fewshot: 0
process_results: !function utils.process_results
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
  - metric: weighted_f1
    aggregation: !function utils.weighted_f1
    higher_is_better: true
  - metric: macro_f1
    aggregation: !function utils.macro_f1
    higher_is_better: true
metadata:
  version: 1.0
"""


def export_prompts(task: Task, strategy: PromptStrategy, split: str, limit: int | None,
                   context: RunContext, out_dir: Path, names: tuple[str, str]) -> Exported:
    """Build our prompts for the split and write the lm-eval task folder."""
    if split not in task.splits():
        raise ConfigError(f"task {task.name!r} has no split {split!r} (splits: {', '.join(task.splits())})")
    if limit is not None and limit <= 0:
        raise ConfigError(f"--limit must be a positive number, got {limit}")
    examples = task.examples(split)
    examples = examples[:limit] if limit is not None else examples
    strategy.prepare(task, context)
    rows = [prompt_row(prompt) for prompt in strategy.build(examples)]
    name = lm_eval_task_name(names[0], names[1], split)
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    data_path = out_dir / f"{name}.jsonl"
    with open(data_path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    header = (f"ercbench export: task {names[0]}, prompt {names[1]}, split {split}, {len(rows)} examples, "
              f"seed {context.seed}")
    yaml_path = out_dir / f"{name}.yaml"
    yaml_path.write_text(task_yaml(name, data_path, header), encoding="utf-8")
    shutil.copyfile(UTILS_SOURCE, out_dir / "utils.py")
    return Exported(name, yaml_path, data_path, len(rows))


def export_lm_eval(task: str, prompt: str, out_dir: Path, context: RunContext, *, split: str = "test",
                   limit: int | None = None, task_args: Mapping[str, str] | None = None,
                   prompt_args: Mapping[str, str] | None = None) -> Exported:
    """Export by plugin names (from `context.registry`, data from `context.data_dir`, seeded by `context.seed`)."""
    task_obj = context.registry.task(task)(context.data_dir, **dict(task_args or {}))
    strategy = context.registry.prompt(prompt)(**dict(prompt_args or {}))
    return export_prompts(task_obj, strategy, split, limit, context, Path(out_dir), (task, prompt))
