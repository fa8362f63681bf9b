"""`ercbench train`: a thin click command over harness.run.training."""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli.common import Limit, one_name_per_flag, one_pair_per_flag, parse_options, writable_folder
from harness.errors import ConfigError

#: The trainer option `--limit` sets: the first N train examples of each task (a declared option of the trainer).
LIMIT_OPTION = "train_limit"


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


def limit_option(trainer: str, limit: int | None, tasks, train_opts) -> dict[str, str]:
    """`--limit N` as the trainer's train_limit option, after -t and --train-opt are checked to be one per flag."""
    from harness.cli.session import current

    registry = current().registry
    declared = registry.get("trainers", trainer).cls.Options.names()
    one_name_per_flag(tasks, registry.names("tasks"), "-t")
    one_pair_per_flag(train_opts, declared, "--train-opt")
    if limit is None:
        return {}
    if LIMIT_OPTION not in declared:
        raise ConfigError(f"trainer {trainer!r} takes no {LIMIT_OPTION} option, so --limit cannot apply to it")
    if any(pair.partition("=")[0] == LIMIT_OPTION for pair in train_opts):
        raise ConfigError(f"--limit and --train-opt {LIMIT_OPTION}=... say the same thing; give one")
    return {LIMIT_OPTION: str(limit)}


@click.command()
@click.option("-t", "--task", "tasks", multiple=True, required=True, help="Training task (repeatable).")
@click.option("--base", required=True, help="Base model folder (or hub id when online).")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), callback=writable_folder,
              help="Checkpoint folder.")
@click.option("-p", "--prompt", help="Prompt strategy (as in `run`; default: the one marked default).")
@click.option("--template", help="Prompt template, e.g. dialoguellm.")
@click.option("--context", help="Context window: a number of earlier turns, or 'all'.")
@click.option("--descriptions", type=click.Choice(["on", "off"]), help="Show utterance descriptions.")
@click.option("--loss-on-prompt", is_flag=True, help="Whole-sequence loss (the paper's), not answer-only.")
@click.option("--resume", is_flag=True, help="Continue from the last good checkpoint in --out.")
@click.option("--overwrite", is_flag=True, help="Replace a different run already in --out.")
@click.option("--trainer", help="Trainer (default: the one marked default, see `ercbench list trainers`).")
@click.option(
    "--train-opt",
    "train_opts",
    multiple=True,
    metavar="K=V",
    help="Trainer option, e.g. r=16 epochs=1 quantization=8bit precision=bf16 selection=f1 "
         "(`ercbench list trainers --options`).",
)
@click.option("--limit", type=Limit(), help="Only the first N train examples of each task (the trainer's train_limit).")
@click.option("--prompt-opt", "prompt_opts", multiple=True, metavar="K=V", help="Prompt option.")
@click.option("--task-opt", "task_opts", multiple=True, metavar="K=V", help="Task option (every task).")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_DATA",
              help="Data root (default: $ERCBENCH_DATA).")
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
    limit,
    prompt_opts,
    task_opts,
    data_dir,
):
    """Train a LoRA checkpoint (DialogueLLM) on the train splits of the given tasks."""
    from harness.cli.launch import is_main_process
    from harness.cli.session import current
    from harness.discovery import default_names
    from harness.run import training

    session = current()
    prompt = prompt or default_names("prompts", "-p", session.registry)[0]
    trainer = trainer or default_names("trainers", "--trainer", session.registry)[0]

    options = trainer_options(
        base, prompt, template, context, descriptions, loss_on_prompt, resume, overwrite, prompt_opts, train_opts
    )
    options.update(limit_option(trainer, limit, tasks, train_opts))
    record = training.train(trainer, tasks, out_dir, session.context(data_dir=data_dir), options=options,
                            task_options=parse_options(task_opts, "--task-opt"))
    best = record.get("selection", {})
    if not is_main_process():  # under accelerate launch, rank 0 reports
        return
    click.echo(
        f"trained {record.get('n_train')} examples, {record.get('global_steps')} steps; "
        f"best {best.get('metric')} {best.get('best_value')} -> {out_dir}"
    )
