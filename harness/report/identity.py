"""A run's identity as one short label (task variant, split, limit, prompt, model, parser, seed), for every format."""

from __future__ import annotations

from typing import Any, Mapping

from harness.report.rows import task_column, with_options

__all__ = ["task_column", "prompt_label", "model_label", "run_label", "curve_label"]

SEPARATOR = " · "
DEFAULT_PARSER = "strict"


def prompt_label(spec: Mapping[str, Any]) -> str:
    return with_options(spec["prompt"], spec.get("prompt_args"))


def model_label(spec: Mapping[str, Any]) -> str:
    return with_options(spec["model"], spec.get("model_args"))


def setting_parts(spec: Mapping[str, Any]) -> list[str]:
    """What besides task, prompt and model tells runs apart: a non-default parser, the seed."""
    parser = spec.get("parser") or DEFAULT_PARSER
    parts = [f"parser={parser}"] if parser != DEFAULT_PARSER else []
    return parts + [f"seed={spec.get('seed', 0)}"]


def run_label(spec: Mapping[str, Any], task: bool = True) -> str:
    """'meld:test (first 100) · k-shot[k=3] · hf:x[mode=score] · seed=0'; without `task` when a heading has it.

    Every field of the spec a run's numbers depend on is in it, so two different specs never share a label.
    """
    parts = [task_column(spec)] if task else []
    parts += [prompt_label(spec), model_label(spec), *setting_parts(spec)]
    return SEPARATOR.join(parts)


def curve_label(spec: Mapping[str, Any], shared: Mapping[str, Any]) -> str:
    """A few-shot line's label: the run's label with the prompt's swept options (k) left out."""
    prompt = [with_options("shots", shared)] if shared else []
    parts = [model_label(spec), *prompt, *setting_parts(spec)]
    return SEPARATOR.join(parts)
