"""Run set-up: a model whose weights require a prompt (a trained checkpoint) gets exactly that one in the RunSpec."""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from harness.errors import ConfigError
from harness.interfaces import RequiredPrompt
from harness.registry import Registry
from harness.types import RunSpec, frozen_mapping


def apply_model_prompt(spec: RunSpec, registry: Registry) -> RunSpec:
    """The spec with the model's required prompt and options filled in; a run asking another prompt is refused.

    The user's -p and --prompt-opt must agree with what the model requires: the same strategy, and options
    that either equal the recorded ones or build the same prompt (the strategies' info() are equal). The spec
    then carries the recorded options, so run.json names the prompt the model saw and resumes find the run.
    """
    model_name, _, target = spec.model.partition(":")
    model_cls = registry.model(model_name)
    required = model_cls.prompt_for(target or None, dict(spec.model_args))
    if required is None:
        return spec
    wanted = {key: str(value) for key, value in required.options.items()}
    if spec.prompt != required.name:
        raise ConfigError(refusal(spec, required, f"-p {spec.prompt}", f"use -p {required.name}"))
    given = dict(spec.prompt_args)
    differing = {key: value for key, value in given.items() if wanted.get(key) != value}
    if differing and not same_prompt(registry, required.name, wanted, {**wanted, **given}):
        asked = " ".join(f"--prompt-opt {key}={value}" for key, value in sorted(differing.items()))
        raise ConfigError(refusal(spec, required, asked, "drop it to use the recorded prompt"))
    return replace(spec, prompt_args=frozen_mapping(wanted))


def same_prompt(registry: Registry, name: str, wanted: Mapping[str, str], asked: Mapping[str, str]) -> bool:
    """Options written differently (a default spelled out, a normalised value) that build the same prompt agree."""
    cls = registry.prompt(name)
    return cls(**wanted).info() == cls(**asked).info()


def refusal(spec: RunSpec, required: RequiredPrompt, asked: str, fix: str) -> str:
    options = ", ".join(f"{key}={value}" for key, value in sorted(required.options.items())) or "no options"
    where = f" (recorded in {required.source})" if required.source else ""
    hint = f", or {required.override_hint}" if required.override_hint else ""
    return (
        f"model {spec.model!r} requires prompt {required.name} with {options}{where}; "
        f"the run asks {asked}: {fix}{hint}"
    )
