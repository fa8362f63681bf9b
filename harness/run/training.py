"""Training a checkpoint through the registry's trainer."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from harness.discovery import default_registry
from harness.errors import ConfigError
from harness.registry import Registry


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
    built = [registry.task(name)(data_dir, **dict(task_options or {})) for name in tasks]
    instance = registry.trainer(trainer)(**dict(options or {}))
    instance.registry = registry  # the trainer builds its prompts with this run's strategies
    return instance.train(built, Path(out_dir))
