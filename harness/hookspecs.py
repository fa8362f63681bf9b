"""pluggy hook specifications: how a plugin hands its classes to the harness."""

from __future__ import annotations

from typing import Any, Callable

import pluggy

hookspec = pluggy.HookspecMarker("ercbench")
hookimpl = pluggy.HookimplMarker("ercbench")

Register = Callable[[type], None]
RegisterCommand = Callable[[Any], None]


@hookspec
def ercbench_register_tasks(register: Register) -> None:
    """Register Task subclasses: call `register(TaskClass)` once per class.

    Registration must do no I/O: the harness reads data only when a run asks for it.
    """


@hookspec
def ercbench_register_prompts(register: Register) -> None:
    """Register PromptStrategy subclasses: call `register(StrategyClass)` once per class."""


@hookspec
def ercbench_register_models(register: Register) -> None:
    """Register Model subclasses: call `register(ModelClass)` once per class.

    Import heavy libraries inside the class's methods, never at module level.
    """


@hookspec
def ercbench_register_trainers(register: Register) -> None:
    """Register Trainer subclasses: call `register(TrainerClass)` once per class."""


@hookspec
def ercbench_register_describers(register: Register) -> None:
    """Register Describer subclasses: call `register(DescriberClass)` once per class.

    A describer turns utterances' video clips into text for `ercbench describe`; import heavy
    libraries (torch, av) inside its methods, never at module level.
    """


@hookspec
def ercbench_register_commands(register: RegisterCommand) -> None:
    """Add commands to the `ercbench` command line: call `register(command)` once per click command.

    `command` is a `click.Command` (or `click.Group`); it appears under its own name beside the
    built-in commands, e.g. the dialoguellm plugin's `ercbench ablate`. A name that is already a
    built-in command, or another plugin's command, stops the program with one line naming both.
    Define the command at import like any click command, but import heavy libraries inside its
    callback: `ercbench --help` loads every plugin's commands. An ErcbenchError raised inside the
    callback is shown as one line, like the built-in commands' errors.
    """
