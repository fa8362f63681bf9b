"""Training a checkpoint through the registry's trainer, and the DialogueLLM ablations as ordinary runs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from harness.discovery import default_registry
from harness.errors import ConfigError
from harness.registry import Registry
from harness.types import RunResult, RunSpec, frozen_mapping

RECORD_FILE = "dialoguellm.json"
CHECKPOINT_MODEL = "dialoguellm"


def train(
    trainer: str,
    tasks: Sequence[str],
    out_dir: Path,
    *,
    data_dir: Path | None = None,
    options: Mapping[str, Any] | None = None,
    task_options: Mapping[str, str] | None = None,
    registry: Registry | None = None,
) -> Mapping[str, Any]:
    """Instantiate the named tasks and trainer from the registry and train into out_dir."""
    registry = registry or default_registry()
    if not tasks:
        raise ConfigError("train: give at least one task (-t)")
    built = [registry.get("tasks", name).cls(data_dir, **dict(task_options or {})) for name in tasks]
    instance = registry.get("trainers", trainer).cls(**dict(options or {}))
    instance.registry = registry  # the trainer builds its prompts with this run's strategies
    return instance.train(built, Path(out_dir))


@dataclass(frozen=True)
class Variant:
    """One row of the ablation table: a checkpoint evaluated with some model/prompt overrides."""

    name: str
    checkpoint: Path
    model_args: Mapping[str, str] = field(default_factory=dict)
    prompt_overrides: Mapping[str, str] = field(default_factory=dict)


def read_checkpoint(folder: Path) -> dict[str, Any]:
    path = Path(folder) / RECORD_FILE
    if not path.is_file():
        raise ConfigError(f"ablate: {path} not found (train a checkpoint with `ercbench train` first)")
    return json.loads(path.read_text(encoding="utf-8"))


def ablation_variants(checkpoint: Path, retrained: Mapping[str, Path] | None = None) -> list[Variant]:
    """Full model, without context, without descriptions, without LoRA (the base, same prompts).

    By default the ablations reuse the full checkpoint with the part removed at test time;
    `retrained` maps a variant name to a checkpoint trained without that part (the paper's way).
    """
    retrained = dict(retrained or {})
    unknown = sorted(set(retrained) - {"no-context", "no-descriptions"})
    if unknown:
        raise ConfigError(f"ablate: only no-context and no-descriptions can use their own checkpoint, not {unknown}")
    overrides = {"no-context": {"window": "0"}, "no-descriptions": {"descriptions": "off"}}
    variants = [Variant("full", checkpoint)]
    for name, override in overrides.items():
        own = retrained.get(name)
        variants.append(Variant(name, Path(own)) if own else Variant(name, checkpoint, prompt_overrides=override))
    variants.append(Variant("no-lora", checkpoint, model_args={"adapter": "off"}))
    return variants


def variant_spec(
    variant: Variant, task: str, split: str, limit: int | None, seed: int, model_args: Mapping[str, str]
) -> RunSpec:
    """The run for one variant: the prompt exactly as recorded at training, plus the variant's overrides."""
    record = read_checkpoint(variant.checkpoint)
    prompt_args = {**record["prompt"]["options"], **variant.prompt_overrides}
    args = {**model_args, **variant.model_args, **{f"prompt.{k}": v for k, v in variant.prompt_overrides.items()}}
    return RunSpec(
        task=task,
        prompt=record["prompt"]["name"],
        model=f"{CHECKPOINT_MODEL}:{variant.checkpoint}",
        split=split,
        seed=seed,
        limit=limit,
        prompt_args=frozen_mapping(prompt_args),
        model_args=frozen_mapping(args),
    )


def ablate(
    variants: Sequence[Variant],
    tasks: Sequence[str],
    run: Callable[[RunSpec], RunResult],
    *,
    split: str = "test",
    limit: int | None = None,
    seed: int = 0,
    model_args: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Run every variant on every task with `run` (e.g. pipeline.run); one row per variant x task."""
    rows = []
    for variant in variants:
        for task in tasks:
            result = run(variant_spec(variant, task, split, limit, seed, model_args or {}))
            rows.append(
                {
                    "variant": variant.name,
                    "task": task,
                    "n": result.n,
                    "run_id": result.run_id,
                    "accuracy": result.scores["accuracy"],
                    "weighted_f1": result.scores["weighted_f1"],
                }
            )
    return rows


def ablation_table(rows: Sequence[Mapping[str, Any]]):
    """variant x task weighted F1 (percent), variants in the order they ran."""
    import pandas as pd

    frame = pd.DataFrame(list(rows))
    if frame.empty:
        raise ConfigError("ablate: no runs to show")
    table = frame.pivot(index="variant", columns="task", values="weighted_f1") * 100
    return table.reindex(list(dict.fromkeys(frame["variant"])))
