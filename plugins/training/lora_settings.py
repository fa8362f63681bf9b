"""LoRA training settings: DialogueLLM's defaults, declared as the lora trainer's options."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, Mapping

from harness.sdk import Trainer
from harness.sdk.options import option

PROMPT_PREFIX = "prompt."
SELECTIONS = ("loss", "f1")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
QUANTIZATIONS = ("none", "8bit", "4bit")


def module_list(value: str) -> tuple[str, ...]:
    modules = tuple(part.strip() for part in str(value).split(",") if part.strip())
    if not modules:
        raise ValueError("needs at least one module name")
    return modules


class LoraSettings(Trainer.Options):
    """Every hyperparameter of a run; defaults follow the public DialogueLLM code."""

    base: str = option("", "the base model folder (or hub id when online)")
    revision: str = option("", "the base model's hub revision")
    prompt: str = option("zero-shot", "the prompt strategy that builds the training text")
    prompt_options: Mapping[str, str] = option(help="options of that prompt strategy", prefix=PROMPT_PREFIX)
    r: int = option(8, "LoRA rank", minimum=1)
    alpha: int = option(64, "LoRA alpha", minimum=0)
    dropout: float = option(0.05, "LoRA dropout", minimum=0)
    target_modules: tuple[str, ...] = option(("q_proj", "v_proj"), "linear modules given adapters, a,b",
                                             parse=module_list)
    lr: float = option(3e-4, "peak learning rate", minimum=0)
    warmup_steps: int = option(100, "linear warm-up steps", minimum=0)
    max_length: int = option(256, "longest training sequence in tokens", minimum=1)
    epochs: float = option(3.0, "passes over the train split", minimum=0)
    batch_size: int = option(60, "effective batch size (micro batches x gradient accumulation)", minimum=0)
    micro_batch_size: int = option(4, "examples per forward pass", minimum=1)
    loss_on_prompt: bool = option(False, "whole-sequence loss (the paper's), not answer-only")
    selection: str = option("loss", "which checkpoint is kept: lowest dev loss or best dev weighted F1",
                            choices=SELECTIONS)
    dev_limit: int = option(0, "dev examples used for selection (0: all)", minimum=0)
    train_limit: int = option(0, "train examples used (0: all)", minimum=0)
    precision: str = option("auto", "training precision", choices=PRECISIONS)
    quantization: str = option("none", "load the base quantized (needs bitsandbytes)", choices=QUANTIZATIONS)
    seed: int = option(42, "seed for data order and initialisation", minimum=0)
    logging_steps: int = option(10, "steps between log lines", minimum=0)
    save_steps: int = option(0, "steps between checkpoints (0: once per epoch)", minimum=0)
    device: str = option("auto", "cpu, cuda, cuda:N or auto")

    def check(self) -> None:
        if self.batch_size % self.micro_batch_size:
            raise ValueError(
                f"batch_size {self.batch_size} must be a multiple of micro_batch_size "
                f"{self.micro_batch_size} (the effective batch is reached by gradient accumulation)"
            )
        if self.epochs <= 0 or self.lr <= 0:
            raise ValueError("epochs and lr must be positive")
        if self.dropout >= 1:
            raise ValueError(f"dropout must be below 1, got {self.dropout}")

    @property
    def accumulation(self) -> int:
        return self.batch_size // self.micro_batch_size

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["prompt_options"] = dict(self.prompt_options)
        data["target_modules"] = list(self.target_modules)
        data["gradient_accumulation_steps"] = self.accumulation
        return data


def parse_settings(options: Mapping[str, Any]) -> LoraSettings:
    """String options -> LoraSettings; `prompt.K=V` options go to the prompt strategy."""
    return LoraSettings.parse(options, "trainer 'lora'")


def settings_of(options: LoraSettings) -> LoraSettings:
    """Just the settings (what decides the weights) of a richer options object."""
    return LoraSettings(**{spec.name: getattr(options, spec.name) for spec in fields(LoraSettings)})
