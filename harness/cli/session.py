"""One ercbench invocation's registry and world, built once and handed to the library as a RunContext."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from harness.context import RunContext, World
from harness.registry import Registry


@dataclass(frozen=True)
class Session:
    """What every command of one invocation shares: the installed plugins and this process's place in the run."""

    registry: Registry
    world: World

    def context(self, *, seed: int = 0, data_dir: Path | None = None, cache_dir: Path | None = None) -> RunContext:
        return RunContext(self.registry, seed=seed, world=self.world, cache_dir=cache_dir, data_dir=data_dir)


def start() -> Session:
    """The only place the core reads the installed plugins and the launcher's environment."""
    from harness.discovery import default_registry

    return Session(default_registry(), World.from_env())


def current() -> Session:
    """This invocation's session, made on first use (commands that need no plugins never load them)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        raise RuntimeError("no ercbench command is running: library callers pass a registry or RunContext")
    root = ctx.find_root()
    if not isinstance(root.obj, Session):
        root.obj = start()
    return root.obj
