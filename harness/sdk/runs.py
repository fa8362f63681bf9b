"""What a run is and what it gave: its spec, its result, and a finished run's folder."""

from harness.results.record import FinishedRun
from harness.types import RunResult, RunSpec

__all__ = ["FinishedRun", "RunResult", "RunSpec"]
