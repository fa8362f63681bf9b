"""The stages of one run, in the order the data flows: plugins, examples, prompts and answers, scores."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from harness import metrics
from harness.context import RunContext
from harness.counters import Counters
from harness.errors import ConfigError
from harness.interfaces import Model, PromptStrategy, Task
from harness.registry import Registry
from harness.results.names import safe_name
from harness.results.store import spec_key
from harness.run.bootstrap import bootstrap_ci
from harness.run.parsing import TextParser, to_prediction
from harness.types import Example, Prediction, RunResult, RunSpec, frozen_mapping

if TYPE_CHECKING:
    from harness.run.executor import Job

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class Components:
    """The instantiated plugins of one run."""

    task: Task
    prompt: PromptStrategy
    model: Model
    #: what their `prepare` receives: the run's registry, seed, world, cache and data folders
    context: RunContext


def split_ref(ref: str) -> tuple[str, str | None]:
    """'hf:/path/to/model' -> ('hf', '/path/to/model'); a plain name has no target."""
    name, sep, target = ref.partition(":")
    return name, (target if sep else None)


def instantiate(spec: RunSpec, context: RunContext) -> Components:
    registry = context.registry
    task_cls = registry.task(spec.task)
    prompt_cls = registry.prompt(spec.prompt)
    model_name, model_target = split_ref(spec.model)
    model_cls = registry.model(model_name)
    model_args = dict(spec.model_args)
    if model_target is not None:
        if "target" not in model_cls.Options.names():  # else the refusal would name an option nobody typed
            raise ConfigError(f"model {model_name!r} takes no target: use -m {model_name}, not -m {spec.model}")
        model_args["target"] = model_target
    return Components(
        task=task_cls(context.data_dir, **spec.task_args),
        prompt=prompt_cls(**spec.prompt_args),
        model=model_cls(**model_args),
        context=context,
    )


def refuse_non_text(spec: RunSpec) -> None:
    """A name that cannot be written as UTF-8 (a lone surrogate: undecodable bytes typed) stops the run here."""
    for field, value in spec.to_dict().items():
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ConfigError(f"the run's {field} {value!r} is not valid text (undecodable bytes on the command "
                              "line?); retype it") from None


def select_examples(task: Task, spec: RunSpec) -> list[Example]:
    if spec.split not in task.splits():
        raise ConfigError(
            f"task {spec.task!r} has no split {spec.split!r} (splits: {', '.join(task.splits())})"
        )
    if spec.limit is not None and spec.limit <= 0:
        raise ConfigError(f"--limit must be a positive number, got {spec.limit}")
    examples = task.examples(spec.split)
    if not examples:  # file-backed tasks name the file; this catches any other task
        raise ConfigError(f"no examples in task {spec.task!r}: {spec.split} split")
    return examples[: spec.limit] if spec.limit is not None else examples


def load_model(parts: Components, timing: dict[str, float]) -> None:
    """The model's prepare (loading weights); a second call is free, so the time adds up once."""
    loading = time.perf_counter()
    parts.model.prepare(parts.task, parts.context)
    timing["model_load_s"] = timing.get("model_load_s", 0.0) + time.perf_counter() - loading


def prepare(parts: Components, timing: dict[str, float]) -> None:
    parts.prompt.prepare(parts.task, parts.context)
    load_model(parts, timing)


def answer(parts: Components, batch: Sequence[Example], parser: TextParser, spec: RunSpec,
           timing: dict[str, float]) -> list[Prediction]:
    """Build the batch's prompts, let the model answer them, parse each answer."""
    clock = time.perf_counter()
    prompts = parts.prompt.build(batch)
    built = time.perf_counter()
    completions = parts.model.predict(prompts)
    timing["prompt_s"] += built - clock
    timing["model_s"] += time.perf_counter() - built
    if len(completions) != len(prompts):
        raise ConfigError(f"model {spec.model!r} returned {len(completions)} answers for {len(prompts)} prompts")
    # One generator per example, seeded by run seed + id: a fallback is reproducible
    # whatever the batch size or resume point.
    return [to_prediction(prompt, completion, parser, random.Random(f"{spec.seed}:{prompt.example.example_id}"))
            for prompt, completion in zip(prompts, completions)]


def attempt_facts(parts: Components) -> dict:
    """The plugins' settings."""
    return {"prompt_info": parts.prompt.info(), "model_info": parts.model.info()}


def joined_facts(answered: Sequence[tuple[Mapping[str, Any], Counters | None]], before: Counters | None) -> dict:
    """What attempt.json keeps, from the (settings, counters) of every process that answered, in rank
    order: rank 0's settings, and every process's counters added to the earlier attempts' (`before`)."""
    counts = [counters for _, counters in answered if counters is not None]
    if before is not None:
        counts.insert(0, before)
    facts = dict(answered[0][0])
    if counts:
        facts["counters"] = type(counts[0]).merged(counts).to_json()
    return facts


def this_attempt(parts: Components, before: Counters | None) -> dict:
    """This process's settings, and its model's counters added to the earlier attempts'."""
    return joined_facts([(attempt_facts(parts), parts.model.counters())], before)


def recorded_facts(parts: Components, last: Mapping[str, Any]) -> dict:
    """With nothing predicted now (the model never loaded), what the last attempt recorded; with no
    record, this process's. A record from an older ercbench has its counts inside model_info."""
    if not last:
        return this_attempt(parts, None)
    return {**attempt_facts(parts), **last}


def make_run_id(spec: RunSpec, started: datetime, key: str | None = None) -> str:
    """stamp-task-split-prompt-model-key; every part a safe file-name component (names come from users)."""
    return "-".join([started.strftime("%Y%m%dT%H%M%S"), run_name(spec), key or spec_key(spec)])


def run_name(spec: RunSpec) -> str:
    """task-split-prompt-model: the part of a run id that names what ran."""
    parts = (spec.task, spec.split, spec.prompt, split_ref(spec.model)[0])
    return "-".join(safe_name(part) for part in parts)


def plugin_versions(spec: RunSpec, registry: Registry) -> dict[str, dict[str, str]]:
    entries = {
        "task": registry.get("tasks", spec.task),
        "prompt": registry.get("prompts", spec.prompt),
        "model": registry.get("models", split_ref(spec.model)[0]),
    }
    return {
        role: {
            "name": entry.name,
            "plugin": entry.origin.plugin,
            "distribution": entry.origin.distribution,
            "version": entry.origin.version,
        }
        for role, entry in entries.items()
    }


def model_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """run.json's prompt_info and model_info: the model's settings beside what it counted (the run's
    truncated prompts are counted from the predictions, in `n_truncated`)."""
    model_info = {**facts["model_info"], **facts.get("counters", {})}
    return {"prompt_info": frozen_mapping(facts["prompt_info"]), "model_info": frozen_mapping(model_info)}


def timing_facts(timing: dict[str, Any], n_predicted: int, model: Model) -> dict:
    """Seconds per stage of this attempt, examples per model second, and the model's token count."""
    rounded = {key: round(value, 3) for key, value in timing.items() if key != "tokens_computed"}
    per_second = n_predicted / timing["model_s"] if timing["model_s"] > 0 else None
    return {**rounded, "n_predicted": n_predicted, "examples_per_s": per_second and round(per_second, 2),
            "tokens_computed": timing.get("tokens_computed", model.tokens_computed)}


def make_result(job: Job, predictions: Sequence[Prediction], facts: Mapping[str, Any]) -> RunResult:
    """Score the predictions and gather what run.json says beside them (`facts`: the plugins' settings
    and the model's counters over every process and attempt)."""
    parts, spec, labels = job.parts, job.spec, job.parts.task.labels
    counts = metrics.prediction_counts(predictions)
    return RunResult(
        run_id=make_run_id(spec, job.started, job.key),
        spec=spec,
        scores={**metrics.score_predictions(predictions, labels), "ci": bootstrap_ci(predictions, labels)},
        n=counts["n"], n_unparsed=counts["n_unparsed"], n_fallback=counts["n_fallback"],
        n_truncated=counts["n_truncated"],
        plugins=plugin_versions(spec, parts.context.registry),
        task_info=frozen_mapping(parts.task.run_info()),
        started=job.started.isoformat(),
        duration_s=time.perf_counter() - job.clock,
        **model_facts(facts),
        answer_mode=parts.model.answer_mode,
        resumed_from=job.resumed_from,
        n_with_description=sum(example.target.description is not None for example in job.examples),
        inputs=frozen_mapping(job.inputs),
        input_key=job.key,
        timing=frozen_mapping(timing_facts(job.timing, len(predictions) - job.resumed_from, parts.model)),
        processes=job.processes,
    )
