"""Training a checkpoint through the registry's trainer."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from harness.context import RunContext
from harness.errors import ConfigError


def train(
    trainer: str,
    tasks: Sequence[str],
    out_dir: Path,
    context: RunContext,
    *,
    options: Mapping[str, Any] | None = None,
    task_options: Mapping[str, str] | None = None,
) -> Mapping[str, Any]:
    """Instantiate the named tasks (from `context.data_dir`) and trainer from `context.registry`; train into out_dir."""
    registry = context.registry
    if not tasks:
        raise ConfigError("train: give at least one task (-t)")
    built = [registry.task(name)(context.data_dir, **dict(task_options or {})) for name in tasks]
    instance = registry.trainer(trainer)(**dict(options or {}))
    return instance.train(built, Path(out_dir), context)
