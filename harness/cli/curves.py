"""Loss curves of training --out folders, read by the trainer that wrote them (the core knows no trainer's files)."""

from __future__ import annotations

from pathlib import Path

from harness.errors import DataError
from harness.interfaces import Trainer
from harness.registry import Registry
from harness.types import LossCurve


def loss_curve(folder: Path, registry: Registry) -> LossCurve:
    """The first registered trainer's reading of `folder`; one line when no trainer claims it."""
    for name in registry.names("trainers"):
        trainer = registry.get("trainers", name).cls
        curve = trainer.loss_curve(folder) if issubclass(trainer, Trainer) else None
        if curve is not None:
            return curve
    raise DataError(folder, "no training log here: pass the --out folder of `ercbench train`")
