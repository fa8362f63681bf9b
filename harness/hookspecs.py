"""pluggy hook specifications: how a plugin hands its classes to the harness."""

from __future__ import annotations

from typing import Callable

import pluggy

hookspec = pluggy.HookspecMarker("ercbench")
hookimpl = pluggy.HookimplMarker("ercbench")

Register = Callable[[type], None]


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
