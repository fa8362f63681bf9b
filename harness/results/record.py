"""A finished run as every reader takes it: its RunResult, its folder, its predictions (read when asked)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.results.store import read_predictions
from harness.types import Prediction, RunResult


@dataclass(frozen=True)
class FinishedRun:
    """One finished run folder, read and validated once."""

    result: RunResult
    folder: Path
    _predictions: list[Prediction] = field(default_factory=list, compare=False, repr=False)

    @property
    def run_id(self) -> str:
        return self.result.run_id

    def predictions(self) -> list[Prediction]:
        """predictions.jsonl, typed, in example order (read on first use)."""
        if not self._predictions:
            self._predictions.extend(read_predictions(self.folder))
        return self._predictions
