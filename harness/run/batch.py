"""Many specs in one go (compare, plan run): finished runs are reused, a spec another process is
running is left to the end and then waited for, so processes sharing a results folder split the work."""

from __future__ import annotations

from typing import Callable, Sequence

from harness.results.lock import RunBusy
from harness.run.sweeps import whole_numbers
from harness.types import RunResult, RunSpec

#: run one spec; the flag says whether to wait for another process holding it (else RunBusy)
RunOne = Callable[[RunSpec, bool], RunResult]


def run_specs(specs: Sequence[RunSpec], run_one: RunOne, wait: bool = True) -> list[RunResult]:
    """Each spec's result, in the order given: first every spec nobody else holds, then the busy ones
    (waited for, or with wait=False refused by RunBusy)."""
    results: dict[int, RunResult] = {}
    busy = []
    for index, spec in enumerate(specs):
        try:
            results[index] = run_one(spec, False)
        except RunBusy:
            busy.append(index)
    for index in busy:
        results[index] = run_one(specs[index], wait)
    return [results[index] for index in range(len(specs))]


def parse_seeds(text: str) -> list[int]:
    """'0,1,2' -> [0, 1, 2]: whole numbers >= 0, no repeats, order kept."""
    return whole_numbers(text, "--seeds", "0,1,2")


def seed_list(seeds: Sequence[int], seeds_text: str | None) -> list[int]:
    """The seeds of repeated --seed and --seeds together (default: seed 0), each once, order kept."""
    chosen = list(dict.fromkeys([*seeds, *(parse_seeds(seeds_text) if seeds_text else [])]))
    return chosen or [0]
