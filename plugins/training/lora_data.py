"""Instruction data for LoRA: prompts from the registry's strategy + gold answers, tokenized as lm-eval does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from harness.errors import ConfigError
from harness.lm import chat
from harness.lm.tokens import encode_pair, prefix_for
from harness.sdk import Example, Prompt, PromptStrategy, RunContext, Task

IGNORE = -100  # the label id PyTorch's cross-entropy skips


@dataclass(frozen=True)
class Record:
    """One training or dev instance: the evaluation prompt text and the gold answer string."""

    example: Example
    context: str
    answer: str
    answer_map: Mapping[str, str]  # choice string -> label, for scoring dev examples


def make_strategy(name: str, options: dict[str, str], context: RunContext) -> PromptStrategy:
    """The prompt strategy evaluation uses, found by name in the run's registry (one source of truth)."""
    return context.registry.prompt(name)(**options)


def prompt_text(prompt: Prompt, tokenizer: Any) -> str:
    """The prompt as one string; chat prompts go through the tokenizer's chat template."""
    if prompt.text is None and not getattr(tokenizer, "chat_template", None):
        raise ConfigError("lora: a chat prompt needs a tokenizer with a chat template; pick a text template")
    return chat.render(prompt, tokenizer)[0]  # the renderer evaluation uses


def gold_answer(strategy: PromptStrategy, prompt: Prompt) -> str:
    """The exact choice string that stands for the gold label (what the model should continue with)."""
    render = getattr(strategy, "render_answer", None)
    if render is not None:
        return render(prompt.example)
    for choice, label in prompt.answer_map.items():
        if label == prompt.example.gold:
            return choice
    raise ConfigError(f"lora: no answer choice maps to gold label {prompt.example.gold!r}")


def build_records(strategy: PromptStrategy, examples: Sequence[Example], tokenizer: Any) -> list[Record]:
    prompts = strategy.build(examples)
    return [Record(p.example, prompt_text(p, tokenizer), gold_answer(strategy, p), p.answer_map) for p in prompts]


def split_examples(tasks: Sequence[Task], split: str, limit: int) -> list[Example]:
    """Each task's split in order, the first `limit` of each when limit > 0."""
    chosen = []
    for task in tasks:
        if split not in task.splits():
            raise ConfigError(f"lora: task {task.name!r} has no {split} split")
        examples = task.examples(split)
        chosen.extend(examples[:limit] if limit else examples)
    return chosen






def tokenize_record(record: Record, tokenizer: Any, max_length: int, loss_on_prompt: bool) -> dict:
    """input_ids/labels for one record; the context is cut from the left so the answer always fits."""
    prefix = prefix_for(tokenizer, record.context)
    context_ids, answer_ids = encode_pair(tokenizer, record.context, record.answer, add_special_tokens=False)
    answer_ids = answer_ids + ([tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else [])
    room = max_length - len(prefix) - len(answer_ids)
    if room <= 0:
        raise ConfigError(f"lora: max_length {max_length} leaves no room for the prompt of {record.example.example_id}")
    context_ids = context_ids[-room:]
    input_ids = prefix + context_ids + answer_ids
    prompt_labels = (prefix + context_ids) if loss_on_prompt else [IGNORE] * (len(prefix) + len(context_ids))
    return {"input_ids": input_ids, "labels": prompt_labels + answer_ids}


class PadCollator:
    """Right-pads a batch; padding never counts in the loss or attention."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, rows: Sequence[dict]) -> dict:
        import torch

        width = max(len(row["input_ids"]) for row in rows)
        ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for index, row in enumerate(rows):
            size = len(row["input_ids"])
            ids[index, :size] = torch.tensor(row["input_ids"])
            labels[index, :size] = torch.tensor(row["labels"])
            mask[index, :size] = 1
        return {"input_ids": ids, "labels": labels, "attention_mask": mask}


def data_files(tasks: Sequence[Task]) -> dict[str, str]:
    """sha256 of every file the tasks read (their info()['files']), for the checkpoint record."""
    files: dict[str, str] = {}
    for task in tasks:
        files.update(task.info().get("files", {}) or {})
    return files
