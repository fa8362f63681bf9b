"""A new run from a generate-mode run's stored answers, read by another parser: no model is loaded."""

from __future__ import annotations

import random
import shutil
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from harness import metrics
from harness.context import RunContext
from harness.errors import ConfigError
from harness.results.claim import claimed
from harness.results.context import CONTEXT_FILE
from harness.results.keys import input_key
from harness.results.record import FinishedRun, find_finished
from harness.results.store import PartialRun, results_root, spec_key
from harness.run.bootstrap import bootstrap_ci
from harness.run.executor import TIMING
from harness.run.parsing import get_parser, to_prediction
from harness.run.pipeline import make_run_id, select_examples
from harness.types import Completion, Prediction, Prompt, RunResult, RunSpec, frozen_mapping


def answer_prompts(spec: RunSpec, context: RunContext) -> tuple[dict[str, Prompt], list[str]]:
    """Each example's prompt (its choices and answer map), rebuilt by the task and prompt plugins alone,
    and the task's labels."""
    task = context.registry.task(spec.task)(context.data_dir, **spec.task_args)
    prompt = context.registry.prompt(spec.prompt)(**spec.prompt_args)
    prompt.prepare(task, context.with_seed(spec.seed))
    examples = select_examples(task, spec)
    prompts = {built.example.example_id: built for start in range(0, len(examples), 256)
               for built in prompt.build(examples[start: start + 256])}
    return prompts, list(task.labels)


def reparse(old: Prediction, prompt: Prompt, spec: RunSpec) -> Prediction:
    """The stored raw answer through the spec's parser, seeded per example exactly as a model run is."""
    meta = {**old.extra, "truncated_tokens": old.truncated_tokens}
    rng = random.Random(f"{spec.seed}:{old.example_id}")
    return to_prediction(prompt, Completion(old.example_id, text=old.raw, meta=frozen_mapping(meta)),
                         get_parser(spec.parser), rng)


def rescore(run: FinishedRun, parser: str, context: RunContext, results_dir: Path | None = None,
            say: Callable[[str], None] = lambda line: None, wait: bool = True) -> tuple[RunResult, Path]:
    """`run` read again with `parser`: its own spec and run key, `rescored_from` naming the source.
    A finished rescoring of the same answers is reused; prompts are rebuilt by `context`'s plugins and data."""
    source = run.result
    get_parser(parser)
    if source.answer_mode != "generate":
        raise ConfigError(f"{source.run_id} scored each label (answer mode {source.answer_mode}): no text was "
                          "parsed, so another parser changes nothing")
    if source.spec.parser == parser:
        raise ConfigError(f"{source.run_id} already used parser {parser}")
    clock, started = time.perf_counter(), datetime.now(timezone.utc)
    spec, root = replace(source.spec, parser=parser), results_root(results_dir)
    key = input_key(spec_key(spec), source.inputs)
    what = f"{spec.task}/{spec.split}/{spec.prompt}/{spec.model} with parser {parser}"
    with claimed(root, spec_key(spec), wait, say, what):
        found = find_finished(root, spec, key)
        if found is not None:
            say(f"reusing the finished run {found.folder} (the same answers, already rescored)")
            return found.result, found.folder
        prompts, labels = answer_prompts(spec, context)
        old = run.predictions()
        missing = [p.example_id for p in old if p.example_id not in prompts]
        if missing:
            raise ConfigError(f"{source.run_id}: example {missing[0]} is no longer in task {spec.task!r} "
                              f"({spec.split}); its answers cannot be reread")
        predictions = [reparse(p, prompts[p.example_id], spec) for p in old]
        partial = PartialRun(root, spec)
        partial.start(False, source.inputs)
        partial.append(predictions)
        copy_context(run.folder, partial.folder)
        result = rescored_result(source, spec, predictions, labels, key)
        return partial.finish(replace(result, run_id=make_run_id(spec, started, key), started=started.isoformat(),
                                      duration_s=time.perf_counter() - clock))


def copy_context(source: Path, folder: Path) -> None:
    """The source run's stored dialogue context (the same examples), when it has one."""
    if (source / CONTEXT_FILE).is_file():
        shutil.copyfile(source / CONTEXT_FILE, folder / CONTEXT_FILE)


def rescored_result(source: RunResult, spec: RunSpec, predictions: list[Prediction], labels: list[str],
                    key: str) -> RunResult:
    """The source's result with the new spec, scores and counts (the caller stamps run id and times)."""
    counts = metrics.prediction_counts(predictions)
    return replace(
        source, spec=spec,
        scores=frozen_mapping({**metrics.score_predictions(predictions, labels),
                               "ci": bootstrap_ci(predictions, labels)}),
        n=counts["n"], n_unparsed=counts["n_unparsed"], n_fallback=counts["n_fallback"],
        n_truncated=counts["n_truncated"], resumed_from=0, processes=1, input_key=key,
        timing=frozen_mapping({**TIMING, "n_predicted": 0, "examples_per_s": None, "tokens_computed": 0}),
        rescored_from=source.run_id,
    )
