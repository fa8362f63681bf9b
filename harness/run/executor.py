"""What one process does around a run's stages: its options, claims, reuse, and the executor for its world."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from harness.context import RunContext
from harness.counters import Counters
from harness.errors import DataError
from harness.results import keys
from harness.results.claim import claimed
from harness.results.context import write_context
from harness.results.keys import input_key
from harness.results.record import FinishedRun, find_finished, read_finished
from harness.results.store import PartialRun, results_root, spec_key
from harness.run import collective, distributed, stages
from harness.run.cache import cache_root
from harness.run.inputs import PendingInputs, read_only, start_run_inputs
from harness.run.model_prompt import apply_model_prompt
from harness.run.parsing import PARSERS, TextParser, get_parser
from harness.types import Example, Prediction, RunResult, RunSpec

#: Seconds per stage of an attempt; inputs_wait_s is how long the run stood waiting for a first-seen
#: checkpoint's hashes (they go on while the model loads and answers).
TIMING = {"model_load_s": 0.0, "prompt_s": 0.0, "model_s": 0.0, "inputs_wait_s": 0.0}


def _silent(line: str) -> None:
    """The default `say`: nothing."""


@dataclass(frozen=True)
class RunOptions:
    """How to run a spec: where results go, resume/force/wait, batch size, progress and messages."""

    results_dir: Path | None = None
    progress: stages.Progress | None = None
    resume: bool = False
    batch_size: int = 64
    #: recompute even when a finished run of the same spec and inputs exists
    force: bool = False
    #: wait for another process running the same spec (False: refuse)
    wait: bool = True
    say: Callable[[str], None] = _silent
    #: keep what `prepare` fitted under the results folder
    use_cache: bool = True
    #: hash every file again instead of trusting the fingerprint cache
    verify_inputs: bool = False


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run; `saved` predictions are kept in its partial folder for --resume (0: none)."""

    def __init__(self, saved: int):
        super().__init__(saved)
        self.saved = saved


@dataclass
class Job:
    """One claimed run: its spec, plugins, examples and inputs, and the partial folder it writes."""

    spec: RunSpec
    parts: stages.Components
    examples: list[Example]
    #: the inputs, maybe still hashing a first-seen checkpoint: read `inputs` and `key` when needed
    source: PendingInputs
    partial: PartialRun
    processes: int = 1
    #: how many predictions an earlier attempt had written
    resumed_from: int = 0
    #: what the model counted in the earlier attempts (attempt.json), for this process's counts to add to
    #: where it writes the partial folder's attempt.json itself (one process); a rank's holds its own only
    counted_before: Counters | None = None
    #: seconds per stage of this attempt (and, merged over processes, tokens_computed)
    timing: dict[str, Any] = field(default_factory=lambda: dict(TIMING))
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    clock: float = field(default_factory=time.perf_counter)

    @property
    def parser(self) -> TextParser:
        return get_parser(self.spec.parser)

    @property
    def inputs(self) -> dict[str, Any]:
        """What the answers depend on beyond the spec (waits for the weights' hashes, and says how long)."""
        if not self.source.ready():
            self.timing["inputs_wait_s"] = self.timing.get("inputs_wait_s", 0.0) + self.source.wait()
        return self.source.get()

    @property
    def key(self) -> str:
        return input_key(spec_key(self.spec), self.inputs)


#: scores a job's predictions into its RunResult, given the plugins' settings and the model's counters
MakeResult = Callable[[Job, Sequence[Prediction], Mapping[str, Any]], RunResult]


class Executor:
    """Opens, claims and reuses runs; LocalExecutor and ParallelExecutor say how the answers are made."""

    def __init__(self, context: RunContext, options: RunOptions, world: collective.World):
        self.context, self.options, self.world = context, options, world
        self.writer: PartialRun  # where this process appends: the partial folder, or its rank's subfolder
        self.done = self.total = 0  # for progress: answered so far, and in all (this process's share)

    @contextmanager
    def open(self, spec: RunSpec) -> Iterator[Job | FinishedRun]:
        """Load the task, its examples and inputs; claim the run (rank 0), or find it finished already."""
        world, options = self.world, self.options
        job, legacy = self._job(spec)
        root, spec = job.partial.root, job.spec

        def reusable() -> FinishedRun | None:  # none can exist while no run of the spec has finished
            if options.force or not (job.source.ready() or finished_of(root, [spec, *legacy])):
                return None
            return find_reusable(root, spec, job.key, legacy, job.inputs)

        if not job.source.ready() and (options.resume or not options.force and finished_of(root, [spec, *legacy])):
            stages.load_model(job.parts, job.timing)  # reuse or resume waits for the weights' hashes: load meanwhile
        if not options.force and read_only(root):  # nothing can change a finished run there: no claim to read it
            found = world.first(reusable)
            if found is not None:
                yield reuse(found, options.say)
                return
        what = f"{spec.task}/{spec.split}/{spec.prompt}/{spec.model}"
        with world.held_by_main(lambda: claimed(root, spec_key(spec), options.wait, options.say, what)):
            found = world.first(reusable)
            if found is not None:
                yield reuse(found, options.say)
                return
            if options.resume:  # take over a partial folder an older ercbench keyed by an unused parser
                world.first(lambda: job.partial.adopt(PartialRun(root, old) for old in legacy))
            yield job

    def _job(self, spec: RunSpec) -> tuple[Job, list[RunSpec]]:
        """The run's plugins, examples and inputs (hashed once, by rank 0), and its older identities."""
        stages.refuse_non_text(spec)
        self.world.join()
        spec = apply_model_prompt(spec, self.context.registry)  # before anything reads the spec: run.json names it
        started, clock = datetime.now(timezone.utc), time.perf_counter()
        root = results_root(self.options.results_dir)
        cache = cache_root(self.options.results_dir) if self.options.use_cache else None
        parts = stages.instantiate(spec, replace(self.context, seed=spec.seed, cache_dir=cache))
        mode = parts.model.answer_mode
        spec, legacy = keys.identity_spec(spec, mode), keys.legacy_specs(spec, mode, PARSERS)
        examples = stages.select_examples(parts.task, spec)
        timing = dict(TIMING)
        if self.world.size == 1:  # a first-seen checkpoint hashes while the model loads and answers
            source = start_run_inputs(parts, root, self.options.verify_inputs)
        else:
            verify = self.options.verify_inputs  # rank 0 hashes; the others wait for its inputs
            source = PendingInputs.known(self.world.first(lambda: start_run_inputs(parts, root, verify).get()))
        job = Job(spec, parts, examples, source, PartialRun(root, spec), self.world.size,
                  timing=timing, started=started, clock=clock)
        return job, legacy

    @contextmanager
    def attempt(self, job: Job) -> Iterator[None]:
        """Around the answering: an error keeps what was saved for --resume; Ctrl-C says how much."""
        try:
            with self._attempt(job):
                yield
        except KeyboardInterrupt:
            raise Interrupted(len(job.partial.done_predictions())) from None

    def _attempt(self, job: Job) -> AbstractContextManager[None]:
        raise NotImplementedError

    def pending(self, job: Job) -> Iterator[Sequence[Example]]:
        """What this process still has to answer, in batches; the model loads before the first."""
        raise NotImplementedError

    def append(self, job: Job, predictions: Sequence[Prediction]) -> None:
        """Save a batch's answers as they come; the settings first, so every saved prediction is
        covered by an attempt that says how it was made."""
        self.writer.record_attempt(stages.this_attempt(job.parts, job.counted_before))
        self.writer.append(predictions)
        self.done += len(predictions)
        if self.options.progress:
            self.options.progress(self.done, self.total)

    def write(self, job: Job, make: MakeResult) -> FinishedRun:
        """Score every prediction written (by every process) with `make`; publish the folder once."""
        return FinishedRun(*self.world.first(lambda: self._finish(job, make)))

    def _finish(self, job: Job, make: MakeResult) -> tuple[RunResult, Path]:
        # In example order whoever wrote them: a resume with another number of processes appends out of order.
        distributed.order_predictions(job.partial.folder, job.examples)
        predictions = list(job.partial.done_predictions().values())
        # With nothing predicted here (or several processes, whose joined facts were recorded as the
        # attempt) the settings and counts are the last attempt's.
        predicted_here = self.world.size == 1 and len(predictions) > job.resumed_from
        facts = (stages.this_attempt(job.parts, job.counted_before) if predicted_here
                 else stages.recorded_facts(job.parts, job.partial.last_attempt()))
        result = make(job, predictions, facts)
        write_context(job.partial.folder, job.examples)  # what a report shows beside the answers, without the task
        return job.partial.finish(result)


def batches(examples: Sequence[Example], size: int) -> Iterator[Sequence[Example]]:
    for start in range(0, len(examples), size):
        yield examples[start : start + size]


def executor_for(context: RunContext, options: RunOptions) -> Executor:
    """This process alone, or one of the processes of a data-parallel run."""
    from harness.run.local import LocalExecutor
    from harness.run.parallel import ParallelExecutor

    world = collective.World(context.world.rank, context.world.size, context.world.local_rank)
    return (LocalExecutor if world.size == 1 else ParallelExecutor)(context, options, world)


def find_reusable(root: Path, spec: RunSpec, key: str, legacy: Sequence[RunSpec], inputs: dict) -> FinishedRun | None:
    """A finished run of this spec and inputs, also one an older ercbench keyed by an unused parser."""
    found = find_finished(root, spec, key)
    for old in legacy:
        found = found or find_finished(root, old, input_key(spec_key(old), inputs))
    return found


def reuse(found: FinishedRun, say: Callable[[str], None]) -> FinishedRun:
    say(f"reusing the finished run {found.folder} (same spec and inputs; --force recomputes)")
    return found


def finished_of(root: Path, specs: Sequence[RunSpec]) -> bool:
    """Whether any finished run of these specs is in root, whatever its inputs (folder names say
    which run.json files to read)."""
    names = {stages.run_name(spec) for spec in specs}
    if not root.is_dir():
        return False
    for folder in root.iterdir():
        if not folder.name.startswith(".") and any(f"-{name}-" in folder.name for name in names):
            try:
                if read_finished(folder).spec in specs:
                    return True
            except DataError:
                continue
    return False
