"""`ercbench train` and `ercbench ablate`: thin click commands over harness.run.training."""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli.common import parse_options, writable_folder
from harness.errors import ConfigError


def trainer_options(
    base, out_prompt, template, context, descriptions, loss_on_prompt, resume, overwrite, prompt_opts, train_opts
) -> dict[str, str]:
    """The CLI's named options become the trainer's string options; prompt settings get `prompt.`."""
    options = {"base": base, "prompt": out_prompt, **parse_options(train_opts, "--train-opt")}
    prompt = parse_options(prompt_opts, "--prompt-opt")
    for key, value in (("template", template), ("window", context), ("descriptions", descriptions)):
        if value is not None:
            prompt[key] = str(value)
    options.update({f"prompt.{key}": value for key, value in prompt.items()})
    options.update(
        loss_on_prompt="on" if loss_on_prompt else "off",
        resume="on" if resume else "off",
        overwrite="on" if overwrite else "off",
    )
    return options


@click.command()
@click.option("-t", "--task", "tasks", multiple=True, required=True, help="Training task (repeatable).")
@click.option("--base", required=True, help="Base model folder (or hub id when online).")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), callback=writable_folder,
              help="Checkpoint folder.")
@click.option("-p", "--prompt", default="zero-shot", show_default=True, help="Prompt strategy (as in `run`).")
@click.option("--template", help="Prompt template, e.g. dialoguellm.")
@click.option("--context", help="Context window: a number of earlier turns, or 'all'.")
@click.option("--descriptions", type=click.Choice(["on", "off"]), help="Show utterance descriptions.")
@click.option("--loss-on-prompt", is_flag=True, help="Whole-sequence loss (the paper's), not answer-only.")
@click.option("--resume", is_flag=True, help="Continue from the last good checkpoint in --out.")
@click.option("--overwrite", is_flag=True, help="Replace a different run already in --out.")
@click.option("--trainer", default="lora", show_default=True)
@click.option(
    "--train-opt",
    "train_opts",
    multiple=True,
    metavar="K=V",
    help="Trainer option, e.g. r=16 epochs=1 quantization=8bit precision=bf16 selection=f1.",
)
@click.option("--prompt-opt", "prompt_opts", multiple=True, metavar="K=V", help="Prompt option.")
@click.option("--task-opt", "task_opts", multiple=True, metavar="K=V", help="Task option (every task).")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_DATA")
def train(
    tasks,
    base,
    out_dir,
    prompt,
    template,
    context,
    descriptions,
    loss_on_prompt,
    resume,
    overwrite,
    trainer,
    train_opts,
    prompt_opts,
    task_opts,
    data_dir,
):
    """Train a LoRA checkpoint (DialogueLLM) on the train splits of the given tasks."""
    from harness.run import training

    options = trainer_options(
        base, prompt, template, context, descriptions, loss_on_prompt, resume, overwrite, prompt_opts, train_opts
    )
    record = training.train(
        trainer, tasks, out_dir, data_dir=data_dir, options=options, task_options=parse_options(task_opts, "--task-opt")
    )
    best = record.get("selection", {})
    click.echo(
        f"trained {record.get('n_train')} examples, {record.get('global_steps')} steps; "
        f"best {best.get('metric')} {best.get('best_value')} -> {out_dir}"
    )


@click.command()
@click.option("--checkpoint", required=True, type=click.Path(path_type=Path), help="Folder from `ercbench train`.")
@click.option("-t", "--task", "tasks", multiple=True, help="Tasks (default: those the checkpoint was trained on).")
@click.option(
    "--variant-checkpoint",
    "retrained",
    multiple=True,
    metavar="NAME=DIR",
    help="Use a checkpoint trained without the part (no-context=DIR, no-descriptions=DIR).",
)
@click.option("--split", default="test", show_default=True)
@click.option("--limit", type=int)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--model-opt", "model_opts", multiple=True, metavar="K=V", help="dialoguellm option, e.g. mode=generate.")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_DATA")
@click.option("--results-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_RESULTS", default=Path("results"),
              show_default=True, callback=writable_folder, help="Folder to write the runs into (or $ERCBENCH_RESULTS).")
def ablate(checkpoint, tasks, retrained, split, limit, seed, model_opts, data_dir, results_dir):
    """The paper's ablations: full, without context, without descriptions, without LoRA; one table."""
    from rich.console import Console
    from rich.table import Table

    from harness.run import pipeline, training

    if limit is not None and limit <= 0:
        raise ConfigError(f"--limit must be positive, got {limit}")
    tasks = tasks or [entry["name"] for entry in training.read_checkpoint(checkpoint)["tasks"]]
    variants = training.ablation_variants(checkpoint, parse_options(retrained, "--variant-checkpoint"))

    def run(spec):
        result, folder = pipeline.run(spec, data_dir=data_dir, results_dir=results_dir)
        click.echo(
            f"{spec.model} {dict(spec.model_args)} on {spec.task}: weighted F1 "
            f"{100 * result.scores['weighted_f1']:.2f} -> {folder}"
        )
        return result

    rows = training.ablate(
        variants, tasks, run, split=split, limit=limit, seed=seed, model_args=parse_options(model_opts, "--model-opt")
    )
    frame = training.ablation_table(rows)
    table = Table(title=f"DialogueLLM ablations: weighted F1 (%), {split}")
    table.add_column("variant")
    for column in frame.columns:
        table.add_column(str(column), justify="right")
    for variant, values in frame.iterrows():
        table.add_row(str(variant), *(f"{value:.2f}" for value in values))
    Console().print(table)
