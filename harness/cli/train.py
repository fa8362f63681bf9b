"""`ercbench train`: a thin click command over harness.run.training."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, cast

import click

from harness.cli.common import Limit, one_name_per_flag, one_pair_per_flag, parse_options, writable_folder
from harness.errors import ConfigError, PluginError
from harness.interfaces import CliFlag, Trainer
from harness.registry import Registry

#: The trainer option `--limit` sets: the first N train examples of each task (a declared option of the trainer).
LIMIT_OPTION = "train_limit"
FLAGS_KEY = "ercbench.trainer_flags"  # in the command's click context: param name -> (flag, trainers declaring it)


def declared_flags(registry: Registry, taken: set[str]) -> dict[str, tuple[CliFlag, list[str]]]:
    """The flags the installed trainers declare, by click parameter name; one flag sets one option for every
    trainer declaring it, and no trainer takes a flag of the command itself (`taken`)."""
    found: dict[str, tuple[CliFlag, list[str]]] = {}
    for name in registry.names("trainers"):
        for flag in cast("type[Trainer]", registry.get("trainers", name).cls).cli_flags:
            if flag.flag in taken:
                raise PluginError(f"trainer {name!r} declares {flag.flag}, a flag of `ercbench train` itself")
            key = "flag_" + flag.flag.lstrip("-").replace("-", "_")
            first, trainers = found.setdefault(key, (flag, []))
            if first.option != flag.option:
                raise PluginError(f"trainers {trainers[0]!r} and {name!r} both declare {flag.flag}, for "
                                  f"different options ({first.option} and {flag.option})")
            trainers.append(name)
    return found


def flag_option(key: str, flag: CliFlag) -> click.Option:
    if flag.switch:
        return click.Option([flag.flag, key], is_flag=True, help=flag.help)
    return click.Option([flag.flag, key], type=click.Choice(flag.choices) if flag.choices else None, help=flag.help)


class TrainCommand(click.Command):
    """`train`, with the flags the installed trainers declare after -p (where they have always been)."""

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        from harness.cli.session import current

        params = super().get_params(ctx)
        if FLAGS_KEY not in ctx.meta:
            taken = {opt for param in params for opt in param.opts}
            ctx.meta[FLAGS_KEY] = declared_flags(current().registry, taken)
        declared = [flag_option(key, flag) for key, (flag, _) in ctx.meta[FLAGS_KEY].items()]
        after = next(i for i, param in enumerate(params) if param.name == "prompt") + 1
        return params[:after] + declared + params[after:]


def given_flags(trainer: str, values: Mapping[str, Any]) -> dict[CliFlag, Any]:
    """The trainers' flags typed on this command line; one the chosen trainer does not declare is refused."""
    declared = click.get_current_context().meta[FLAGS_KEY]
    given = {}
    for key, value in values.items():
        flag, trainers = declared[key]
        if value is None or value is False:
            continue
        if trainer not in trainers:
            raise ConfigError(f"{flag.flag}: trainer {trainer!r} does not take it (declared by "
                              f"{', '.join(trainers)}); use --train-opt K=V")
        given[flag] = value
    return given


def command_flag(flag: str) -> CliFlag:
    """One of train's own flags as every trainer declares it (`Trainer.command_flags`): its option and help."""
    return next(declared for declared in Trainer.command_flags if declared.flag == flag)


def trainer_options(base, out_prompt, flags: Mapping[CliFlag, Any], resume, overwrite, prompt_opts,
                    train_opts) -> dict[str, str]:
    """The command's own flags set the options `Trainer.command_flags` names (a value before --train-opt, a
    switch after everything); --prompt-opt's keys get its prefix; a trainer's declared flag sets its option
    (a switch: on), over --train-opt and --prompt-opt."""
    own = {command_flag(flag): value for flag, value in
           (("--base", base), ("--prompt", out_prompt), ("--resume", resume), ("--overwrite", overwrite))}
    options = {flag.option: value for flag, value in own.items() if not flag.switch}
    options.update(parse_options(train_opts, "--train-opt"))
    prefix = command_flag("--prompt-opt").option
    options.update({prefix + key: value for key, value in parse_options(prompt_opts, "--prompt-opt").items()})
    options.update({flag.option: "on" if flag.switch else str(value) for flag, value in flags.items()})
    options.update({flag.option: "on" if value else "off" for flag, value in own.items() if flag.switch})
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


@click.command(cls=TrainCommand)
@click.option("-t", "--task", "tasks", multiple=True, required=True, help="Training task (repeatable).")
@click.option("--base", required=True, help=command_flag("--base").help)
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), callback=writable_folder,
              help="Checkpoint folder.")
@click.option("-p", "--prompt", help=command_flag("--prompt").help)
@click.option("--resume", is_flag=True, help=command_flag("--resume").help)
@click.option("--overwrite", is_flag=True, help=command_flag("--overwrite").help)
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
@click.option("--prompt-opt", "prompt_opts", multiple=True, metavar="K=V", help=command_flag("--prompt-opt").help)
@click.option("--task-opt", "task_opts", multiple=True, metavar="K=V", help="Task option (every task).")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_DATA",
              help="Data root (default: $ERCBENCH_DATA).")
def train(tasks, base, out_dir, prompt, resume, overwrite, trainer, train_opts, limit, prompt_opts, task_opts,
          data_dir, **flags):
    """Train a LoRA checkpoint (DialogueLLM) on the train splits of the given tasks."""
    from harness.cli.launch import is_main_process
    from harness.cli.session import current
    from harness.discovery import default_names
    from harness.run import training

    session = current()
    prompt = prompt or default_names("prompts", "-p", session.registry)[0]
    trainer = trainer or default_names("trainers", "--trainer", session.registry)[0]

    options = trainer_options(base, prompt, given_flags(trainer, flags), resume, overwrite, prompt_opts, train_opts)
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
