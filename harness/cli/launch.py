"""`--processes N`: start the same command as N data-parallel processes (what `accelerate launch` does)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Callable

import click
from click.core import ParameterSource

from harness.errors import ConfigError


def command_args(ctx: click.Context, drop: str = "processes") -> list[str]:
    """The command's options as typed, without `--processes` (the processes inherit the environment)."""
    args = ctx.command_path.split()[1:]
    for param in ctx.command.params:
        typed = ctx.get_parameter_source(param.name) == ParameterSource.COMMANDLINE
        if param.name == drop or not typed or not isinstance(param, click.Option):
            continue
        value = ctx.params[param.name]
        flag = param.opts[-1] if param.opts[-1].startswith("--") else param.opts[0]
        if param.is_flag:
            args += [flag] if value else []
            continue
        for item in value if param.multiple else [value]:
            args += [flag, str(item)]
    return args


def relaunch(ctx: click.Context, processes: int, check: Callable[[], object] | None = None,
             partial: Callable[[], Path] | None = None) -> bool:
    """Start N processes running this command and exit with their status; False when this process
    is already one of a launched run (or N is 1): then it runs its own share. `check` runs first,
    here, so that a bad option is reported once rather than by every process. `partial` names the
    run's partial folder: when a process dies, what it holds and the resume command are reported."""
    from harness.cli.session import current
    from harness.run import launcher

    world = current().world
    if world.size > 1:
        if processes not in (1, world.size):
            raise ConfigError(f"--processes {processes} differs from the launcher's WORLD_SIZE {world.size}")
        return False
    if processes == 1:
        return False
    if check is not None:
        check()
    args = command_args(ctx)
    again = [] if "--resume" in args else ["--resume"]
    resume = shlex.join(["ercbench", *args, "--processes", str(processes), *again])
    ctx.exit(launcher.launch(processes, args, kept=lambda: kept_text(partial, resume)))
    return True


def kept_text(partial: Callable[[], Path] | None, resume: str) -> str:
    """'12 predictions kept in results/.k.partial; continue with: ercbench run ... --resume'."""
    from harness.run import distributed

    try:
        folder = partial() if partial else None
        kept = f"{distributed.kept_count(folder)} predictions kept in {folder}" if folder else "predictions kept"
    except Exception:  # the line must come out whatever the folder holds
        kept = "the predictions written are kept"
    return f"{kept}; continue with: {resume}"


def is_main_process() -> bool:
    """Only rank 0 of a data-parallel run prints results and progress."""
    from harness.cli.session import current

    return current().world.is_main
