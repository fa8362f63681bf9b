"""Leaderboard filters: `--task/--model/--prompt` names and `--where K=V` on any part of a run's spec."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from harness.errors import ConfigError
from harness.registry import Registry
from harness.results.record import FinishedRun
from harness.run.sweeps import shots_of

SPEC_KEYS = ("task", "split", "prompt", "model", "parser", "seed", "limit", "shots")


@dataclass(frozen=True)
class RunFilter:
    """Runs kept: a name in each list given (any of them), and every `where` pair equal."""

    tasks: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    prompts: tuple[str, ...] = ()
    where: Mapping[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.tasks or self.models or self.prompts or self.where)

    def keeps(self, spec: Mapping[str, Any], registry: Registry) -> bool:
        model = str(spec["model"])
        if self.tasks and spec["task"] not in self.tasks:
            return False
        if self.models and model not in self.models and model.partition(":")[0] not in self.models:
            return False
        if self.prompts and spec["prompt"] not in self.prompts:
            return False
        return all(value(spec, key, registry) == wanted for key, wanted in self.where.items())


def value(spec: Mapping[str, Any], key: str, registry: Registry) -> str | None:
    """A spec's K as text: a spec field (split, seed, limit, parser, shots, ...) or an option of task, prompt or model
    (shots as the run's prompt strategy in `registry` says)."""
    if key == "shots":
        found = shots_of(spec, registry)
        return None if found is None else str(found)
    if key in SPEC_KEYS:
        return None if spec.get(key) is None else str(spec[key])
    for bag in ("task_args", "prompt_args", "model_args"):
        options = spec.get(bag) or {}
        if key in options:
            return str(options[key])
    return None


def check_keys(specs: Sequence[Mapping[str, Any]], where: Mapping[str, str], registry: Registry) -> None:
    """A --where key no run has is a typo: refuse it in one line rather than show an empty board."""
    for key in where:
        if specs and key not in SPEC_KEYS and all(value(spec, key, registry) is None for spec in specs):
            raise ConfigError(f"--where {key}=...: no run has {key!r} (keys: {', '.join(SPEC_KEYS)}, "
                              "or any task, prompt or model option)")


def keep(runs: list[FinishedRun], chosen: RunFilter | None, registry: Registry) -> list[FinishedRun]:
    if not chosen:
        return runs
    specs = [run.spec.to_dict() for run in runs]
    check_keys(specs, chosen.where, registry)
    return [run for run, spec in zip(runs, specs) if chosen.keeps(spec, registry)]


def matching_ids(root, chosen: RunFilter, registry: Registry, run_ids=None) -> list[str]:
    """Ids of the finished runs under root (of run_ids, when given) that the filter keeps."""
    from harness.results.record import iter_finished

    runs = [run for run in iter_finished(root, on_bad=None) if run_ids is None or run.run_id in set(run_ids)]
    kept = [run.run_id for run in keep(runs, chosen, registry)]
    if runs and not kept:
        raise ConfigError(f"none of the {len(runs)} finished runs under {root} matches the filters")
    return kept
