"""`ercbench ablate`: DialogueLLM's ablations (full, no context, no descriptions, no LoRA) as ordinary runs, a table."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import click

from harness.errors import ConfigError
from harness.sdk import frozen_mapping, hookimpl
from harness.sdk.commands import Limit, parse_options, writable_folder
from harness.sdk.runs import RunResult, RunSpec

RECORD_FILE = "dialoguellm.json"  # written by the lora trainer, read by the dialoguellm model
MODEL_NAME = "dialoguellm"


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
        raise ConfigError("ablate: only no-context and no-descriptions can use their own checkpoint, "
                          f"not {', '.join(unknown)}")
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
    overrides = dict(variant.prompt_overrides)
    if overrides.get("window") == "0" and record["prompt"]["options"].get("future", "0") != "0":
        overrides["future"] = "0"  # without context means no later turns either
    prompt_args = {**record["prompt"]["options"], **overrides}
    args = {**model_args, **variant.model_args, **{f"prompt.{k}": v for k, v in overrides.items()}}
    return RunSpec(
        task=task,
        prompt=record["prompt"]["name"],
        model=f"{MODEL_NAME}:{variant.checkpoint}",
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


def run_label(spec: RunSpec) -> str:
    """One run as the CLI spells it: model, its options as K=V, task and split."""
    options = " ".join(f"{key}={value}" for key, value in sorted(spec.model_args.items()))
    return f"{spec.model}{' ' + options if options else ''} on {spec.task}:{spec.split}"


def table_title(split: str, limit: int | None) -> str:
    """The table's title names what was evaluated: the split, and how many examples of it."""
    first = f", first {limit} examples" if limit is not None else ""
    return f"DialogueLLM ablations: weighted F1 (%), {split}{first}"


@click.command("ablate")
@click.option("--checkpoint", required=True, type=click.Path(path_type=Path), help="Folder from `ercbench train`.")
@click.option("-t", "--task", "tasks", multiple=True, help="Tasks (default: those the checkpoint was trained on).")
@click.option(
    "--variant-checkpoint",
    "retrained",
    multiple=True,
    metavar="NAME=DIR",
    help="Use a checkpoint trained without the part (no-context=DIR, no-descriptions=DIR).",
)
@click.option("--split", default="test", show_default=True, help="Split to evaluate.")
@click.option("--limit", type=Limit(), help="Only the first N examples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every run.")
@click.option("--model-opt", "model_opts", multiple=True, metavar="K=V", help="dialoguellm option, e.g. mode=generate.")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_DATA",
              help="Data root (default: $ERCBENCH_DATA).")
@click.option("--results-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_RESULTS", default=Path("results"),
              show_default=True, callback=writable_folder, help="Folder to write the runs into (or $ERCBENCH_RESULTS).")
def ablate_command(checkpoint, tasks, retrained, split, limit, seed, model_opts, data_dir, results_dir):
    """The paper's ablations: full, without context, without descriptions, without LoRA; one table."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from harness.sdk.commands import run_spec

    tasks = tasks or [entry["name"] for entry in read_checkpoint(checkpoint)["tasks"]]
    variants = ablation_variants(checkpoint, parse_options(retrained, "--variant-checkpoint"))

    def run(spec):
        finished = run_spec(spec, data_dir=data_dir, results_dir=results_dir)
        result = finished.result
        click.echo(f"{run_label(spec)}: weighted F1 {100 * result.scores['weighted_f1']:.2f} -> {finished.folder}")
        return result

    rows = ablate(
        variants, tasks, run, split=split, limit=limit, seed=seed, model_args=parse_options(model_opts, "--model-opt")
    )
    frame = ablation_table(rows)
    table = Table(title=escape(table_title(split, limit)))  # names users typed are text, not rich markup
    table.add_column("variant")
    for column in frame.columns:
        table.add_column(escape(str(column)), justify="right")
    for variant, values in frame.iterrows():
        table.add_row(escape(str(variant)), *(f"{value:.2f}" for value in values))
    Console().print(table)


@hookimpl
def ercbench_register_commands(register):
    register(ablate_command)
