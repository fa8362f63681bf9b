"""Few-shot sweeps: one run per k, as each prompt strategy declares."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Mapping, Sequence

from harness.errors import ConfigError
from harness.interfaces import PromptStrategy, Shots
from harness.registry import Registry
from harness.types import RunSpec, frozen_mapping


def parse_shots(text: str) -> list[int]:
    """'0,1,3,5' -> [0, 1, 3, 5]: whole numbers >= 0, no repeats, order kept."""
    return whole_numbers(text, "--shots", "0,1,3,5")


def whole_numbers(text: str, flag: str, example: str) -> list[int]:
    """A flag's comma-separated whole numbers >= 0, no repeats, order kept; one line naming the flag otherwise."""
    values: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit():
            raise ConfigError(f"{flag} takes comma-separated whole numbers like {example}, got {text!r}")
        if int(part) in values:
            raise ConfigError(f"{flag} lists {part} twice")
        values.append(int(part))
    return values


def strategy(name: str, registry: Registry) -> type[PromptStrategy] | None:
    """The installed prompt strategy of that name, or None (a run recorded with a plugin not installed)."""
    return registry.prompt(name) if name in registry.names("prompts") else None


def shot_specs(spec: RunSpec, shots: Sequence[int], registry: Registry) -> list[RunSpec]:
    """The spec once per k, as the prompt strategy says it shows k demonstrations; other options kept."""
    cls = registry.prompt(spec.prompt)
    specs = []
    for k in shots:
        variant = cls.with_shots(k, dict(spec.prompt_args))
        if variant is None:
            able = [name for name in registry.names("prompts") if registry.prompt(name).with_shots(0, {})]
            raise ConfigError(f"--shots sweeps prompts that show demonstrations ({', '.join(able)}), "
                              f"not {spec.prompt!r}")
        prompt, options = variant
        specs.append(replace(spec, prompt=prompt, prompt_args=frozen_mapping(options)))
    return specs


def shots_setting(spec: Mapping[str, Any], registry: Registry) -> Shots | None:
    """Where a run (run.json's spec dict) sits in a few-shot sweep, as its prompt strategy says; else None."""
    cls = strategy(str(spec.get("prompt")), registry)
    return cls.shots(dict(spec.get("prompt_args") or {})) if cls is not None else None


def shots_of(spec: Mapping[str, Any], registry: Registry) -> int | None:
    """k of a run (from run.json's spec dict), or None for a run that is not part of a sweep."""
    setting = shots_setting(spec, registry)
    return setting.k if setting is not None else None


def expand_shots(specs: Sequence[RunSpec], shots: str | None, registry: Registry) -> list[RunSpec]:
    """Without --shots the specs as given; with it, each spec once per k, duplicates dropped."""
    if not shots:
        return list(specs)
    ks = parse_shots(shots)
    expanded: dict[str, RunSpec] = {}
    for spec in specs:
        for one in shot_specs(spec, ks, registry):
            expanded.setdefault(json.dumps(one.to_dict(), sort_keys=True), one)
    return list(expanded.values())
