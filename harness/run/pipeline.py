"""run(RunSpec) -> RunResult, in the order the data flows: task, prompts, model, parse, score, save."""

from __future__ import annotations

import json
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

from harness import metrics
from harness.context import RunContext
from harness.errors import ConfigError
from harness.interfaces import Model, PromptStrategy, Task
from harness.plumbing.fingerprint import CACHE_FILE, hash_cache, verifying
from harness.registry import Registry
from harness.results.claim import claimed
from harness.results.context import write_context
from harness.results.keys import identity_spec, input_key, legacy_specs, run_inputs
from harness.results.names import safe_name
from harness.results.record import FinishedRun, find_finished
from harness.results.store import PartialRun, results_root, spec_key
from harness.run import distributed
from harness.run.bootstrap import bootstrap_ci
from harness.run.cache import cache_root
from harness.run.model_prompt import apply_model_prompt
from harness.run.parsing import PARSERS, get_parser, to_prediction
from harness.types import Example, RunResult, RunSpec, frozen_mapping

Progress = Callable[[int, int], None]  # (done, total)
#: A fingerprint found in the cache takes milliseconds; one still hashing after this is a first sight.
CACHED_FINGERPRINT_S = 0.25


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run; `saved` predictions are kept in its partial folder for --resume (0: none)."""

    def __init__(self, saved: int):
        super().__init__(saved)
        self.saved = saved


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


def make_run_id(spec: RunSpec, started: datetime, key: str | None = None) -> str:
    """stamp-task-split-prompt-model-key; every part a safe file-name component (names come from users)."""
    model = split_ref(spec.model)[0]
    stamp = started.strftime("%Y%m%dT%H%M%S")
    parts = (spec.task, spec.split, spec.prompt, model)
    return "-".join([stamp, *(safe_name(part) for part in parts), key or spec_key(spec)])


def predict_all(
    parts: Components,
    spec: RunSpec,
    todo: Sequence[Example],
    partial: PartialRun,
    batch_size: int,
    progress: Progress | None,
    already: int,
    timing: dict[str, float],
) -> None:
    """Prompt, answer and parse in batches, appending each batch to disk as it finishes."""
    parser = get_parser(spec.parser)
    total = already + len(todo)
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        clock = time.perf_counter()
        prompts = parts.prompt.build(batch)
        built = time.perf_counter()
        completions = parts.model.predict(prompts)
        timing["prompt_s"] += built - clock
        timing["model_s"] += time.perf_counter() - built
        if len(completions) != len(prompts):
            raise ConfigError(
                f"model {spec.model!r} returned {len(completions)} answers for {len(prompts)} prompts"
            )
        predictions = []
        for prompt, completion in zip(prompts, completions):
            # One generator per example, seeded by run seed + id: a fallback is reproducible
            # whatever the batch size or resume point.
            rng = random.Random(f"{spec.seed}:{prompt.example.example_id}")
            predictions.append(to_prediction(prompt, completion, parser, rng))
        # The settings first: every saved prediction is covered by an attempt that says how it was made.
        partial.record_attempt(attempt_facts(parts))
        partial.append(predictions)
        if progress:
            progress(already + start + len(batch), total)


def run_facts(parts: Components, examples: Sequence[Example], resumed_from: int) -> dict:
    """What run.json reports beside the scores and counts: plugin settings and provenance."""
    return {
        "prompt_info": frozen_mapping(parts.prompt.info()),
        "model_info": frozen_mapping(parts.model.info()),
        "answer_mode": parts.model.answer_mode,
        "resumed_from": resumed_from,
        "n_with_description": sum(example.target.description is not None for example in examples),
    }


def attempt_facts(parts: Components) -> dict:
    return {"prompt_info": parts.prompt.info(), "model_info": parts.model.info()}


def with_earlier_attempt(facts: dict, partial: PartialRun, predicted_now: bool, n_truncated: int) -> dict:
    """With nothing left to predict the model was never loaded: keep what the last attempt recorded.

    The model's own truncation count covers one attempt; the predictions' count covers all.
    """
    if not predicted_now:
        facts.update({key: frozen_mapping(value) for key, value in partial.last_attempt().items()})
    if "n_truncated" in facts["model_info"]:
        facts["model_info"] = frozen_mapping({**facts["model_info"], "n_truncated": n_truncated})
    return facts


def load_model(parts: Components, timing: dict[str, float]) -> None:
    """The model's prepare (loading weights); a second call is free, so the time adds up once."""
    loading = time.perf_counter()
    parts.model.prepare(parts.task, parts.context)
    timing["model_load_s"] = timing.get("model_load_s", 0.0) + time.perf_counter() - loading


def prepare(parts: Components, timing: dict[str, float]) -> None:
    parts.prompt.prepare(parts.task, parts.context)
    load_model(parts, timing)


def predict_missing(parts: Components, spec: RunSpec, examples, partial: PartialRun, inputs: dict, resume: bool,
                    batch_size: int, progress: Progress | None, timing: dict[str, float]) -> int:
    """Load and predict what the partial folder lacks; returns how many were already done.

    With resume the inputs are checked before the model loads; without it an earlier partial
    run is replaced only once loading succeeded, so a Ctrl-C while loading loses nothing.
    """
    if resume:
        partial.start(True, inputs)
    done = partial.done_predictions() if resume else {}
    todo = [example for example in examples if example.example_id not in done]
    if not todo:
        if not resume:
            partial.start(False, inputs)
        return len(done)
    started = resume
    try:
        prepare(parts, timing)
        batch_size = parts.model.preferred_batch_size or batch_size  # e.g. a whole split per GPU call
        if not resume:
            partial.start(False, inputs)
            started = True
        predict_all(parts, spec, todo, partial, batch_size, progress, len(done), timing)
    except BaseException:
        if started:
            partial.discard_if_empty()  # keep predictions for --resume, never an empty folder
        raise
    return len(done)


def timing_facts(timing: dict[str, float], n_predicted: int, model: Model) -> dict:
    """Seconds per stage of this attempt, examples per model second, and the model's token count."""
    rounded = {key: round(value, 3) for key, value in timing.items() if key != "tokens_computed"}
    per_second = n_predicted / timing["model_s"] if timing["model_s"] > 0 else None
    return {**rounded, "n_predicted": n_predicted, "examples_per_s": per_second and round(per_second, 2),
            "tokens_computed": timing.get("tokens_computed", model.tokens_computed)}


def read_run_inputs(parts: Components, root: Path, meanwhile: Callable[[], None] | None = None,
                    verify: bool = False) -> dict:
    """Data files' and weights' sha256 and the label set (weights' hashes cached per user, else in root).

    While a checkpoint seen for the first time is hashed, `meanwhile` (loading it) runs beside the
    hashing; nothing is reused, resumed or written before both are done, whatever finishes first.
    """
    parts.task.read_inputs()  # hash the train files too: prompts and models may read them later
    with hash_cache(None if read_only(root) else root / CACHE_FILE), verifying(verify):
        task_info = parts.task.run_info()
        if meanwhile is None:
            return run_inputs(task_info, parts.task.labels, parts.model.fingerprint())
        with ThreadPoolExecutor(max_workers=1) as pool:
            hashing = pool.submit(parts.model.fingerprint)
            try:
                found = hashing.result(timeout=CACHED_FINGERPRINT_S)
            except FutureTimeout:  # hashing, not a cache lookup: load the weights meanwhile
                meanwhile()
                found = hashing.result()
        return run_inputs(task_info, parts.task.labels, found)


def run(
    spec: RunSpec,
    context: RunContext,
    *,
    results_dir: Path | None = None,
    progress: Progress | None = None,
    resume: bool = False,
    batch_size: int = 64,
    force: bool = False,
    wait: bool = True,
    say: Callable[[str], None] = lambda line: None,
    use_cache: bool = True,
    verify_inputs: bool = False,
) -> tuple[RunResult, Path]:
    """Run one spec end to end; returns the result and the folder it was written to.

    One process at a time per spec (others wait, or with wait=False refuse); a finished run
    of the same spec and inputs is reused unless `force`. `verify_inputs` hashes every file
    again instead of trusting the fingerprint cache. The plugins are `context.registry`'s, the
    data `context.data_dir`'s; their `prepare` gets the context with the spec's seed and the fit cache.
    """
    registry = context.registry
    refuse_non_text(spec)
    world = distributed.World(context.world.rank, context.world.size, context.world.local_rank)  # 1, or 1 of N
    world.join()
    spec = apply_model_prompt(spec, registry)  # before anything reads the spec: run.json names the prompt used
    started = datetime.now(timezone.utc)
    clock = time.perf_counter()
    root = results_root(results_dir)
    parts = instantiate(spec, replace(context, seed=spec.seed, cache_dir=cache_root(results_dir) if use_cache else None))
    spec, legacy = identity_spec(spec, parts.model.answer_mode), legacy_specs(spec, parts.model.answer_mode, PARSERS)
    examples = select_examples(parts.task, spec)
    timing = {"model_load_s": 0.0, "prompt_s": 0.0, "model_s": 0.0}
    early = (lambda: load_model(parts, timing)) if world.size == 1 else None
    inputs = world.first(lambda: read_run_inputs(parts, root, early, verify_inputs))  # hashed once, by rank 0
    key = input_key(spec_key(spec), inputs)
    what = f"{spec.task}/{spec.split}/{spec.prompt}/{spec.model}"
    if not force and read_only(root):  # nothing can change a finished run there: no claim to read it
        found = world.first(lambda: find_reusable(root, spec, key, legacy, inputs))
        if found is not None:
            return reuse(found, say)
    with world.held_by_main(lambda: claimed(root, spec_key(spec), wait, say, what)):  # rank 0 claims the key
        found = world.first(lambda: None if force else find_reusable(root, spec, key, legacy, inputs))
        if found is not None:
            return reuse(found, say)
        partial = open_partial(world, root, spec, legacy, resume)
        try:
            resumed_from, timing = predict_run(world, parts, spec, examples, partial, inputs, resume, batch_size,
                                               progress, timing)
        except KeyboardInterrupt:
            raise Interrupted(len(partial.done_predictions())) from None
        return world.first(lambda: finish(spec, parts, registry, partial, examples, resumed_from, started, clock,
                                          inputs, key, timing, world.size))


def open_partial(world: distributed.World, root: Path, spec: RunSpec, legacy: Sequence[RunSpec],
                 resume: bool) -> PartialRun:
    """This run's partial folder; with resume, taking over one an older ercbench keyed by an unused parser."""
    partial = PartialRun(root, spec)
    if resume:
        world.first(lambda: partial.adopt(PartialRun(root, old) for old in legacy))
    return partial


def find_reusable(root: Path, spec: RunSpec, key: str, legacy: Sequence[RunSpec], inputs: dict) -> FinishedRun | None:
    """A finished run of this spec and inputs, also one an older ercbench keyed by an unused parser."""
    found = find_finished(root, spec, key)
    for old in legacy:
        found = found or find_finished(root, old, input_key(spec_key(old), inputs))
    return found


def read_only(root: Path) -> bool:
    return root.is_dir() and not os.access(root, os.W_OK | os.X_OK)


def reuse(found: FinishedRun, say: Callable[[str], None]) -> tuple[RunResult, Path]:
    say(f"reusing the finished run {found.folder} (same spec and inputs; --force recomputes)")
    return found.result, found.folder


def predict_run(world: distributed.World, parts: Components, spec: RunSpec, examples: Sequence[Example],
                partial: PartialRun, inputs: dict, resume: bool, batch_size: int,
                progress: Progress | None, timing: dict[str, float]) -> tuple[int, dict]:
    """Predict what is missing, in this process alone or shared with the others of a data-parallel
    run; returns how many were done before, and where the time went."""
    if world.size == 1:
        if resume:  # take in what the processes of a data-parallel attempt wrote
            distributed.fold_shards(partial.folder)
        return predict_missing(parts, spec, examples, partial, inputs, resume, batch_size, progress, timing), timing
    resumed_from = distributed.predict_together(
        world, partial, examples, inputs, resume, lambda: prepare(parts, timing),
        lambda todo, writer, done: predict_all(parts, spec, todo, writer, parts.model.preferred_batch_size
                                               or batch_size, progress, done, timing),
        lambda: attempt_facts(parts),
    )
    merged: dict[str, Any] = distributed.slowest(world.gather(timing))  # the processes ran side by side
    merged["tokens_computed"] = distributed.total(world.gather(parts.model.tokens_computed))
    return resumed_from, merged


def finish(spec: RunSpec, parts: Components, registry: Registry, partial: PartialRun, examples: Sequence[Example],
           resumed_from: int, started: datetime, clock: float, inputs: dict, key: str, timing: dict[str, float],
           processes: int) -> tuple[RunResult, Path]:
    """Score every prediction written (by every process), write run.json and publish the folder."""
    # In example order whoever wrote them: a resume with another number of processes appends out of order.
    distributed.order_predictions(partial.folder, examples)
    predictions = list(partial.done_predictions().values())
    counts = metrics.prediction_counts(predictions)
    # Several processes: their merged settings were recorded as the attempt.
    predicted_here = processes == 1 and len(predictions) > resumed_from
    facts = with_earlier_attempt(run_facts(parts, examples, resumed_from), partial,
                                 predicted_here, counts["n_truncated"])
    result = RunResult(
        run_id=make_run_id(spec, started, key),
        spec=spec,
        scores={**metrics.score_predictions(predictions, parts.task.labels),
                "ci": bootstrap_ci(predictions, parts.task.labels)},
        **counts,
        plugins=plugin_versions(spec, registry),
        task_info=frozen_mapping(parts.task.run_info()),
        started=started.isoformat(),
        duration_s=time.perf_counter() - clock,
        **facts,
        inputs=frozen_mapping(inputs),
        input_key=key,
        timing=frozen_mapping(timing_facts(timing, len(predictions) - resumed_from, parts.model)),
        processes=processes,
    )
    write_context(partial.folder, examples)  # what a report shows beside the answers, without the task
    return partial.finish(result)
