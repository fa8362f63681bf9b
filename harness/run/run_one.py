"""run_one(RunSpec) -> FinishedRun, in the order the data flows: task, prompts, model, parse, score, save."""

from __future__ import annotations

from harness.context import RunContext
from harness.results.record import FinishedRun
from harness.run import stages
from harness.run.executor import RunOptions, executor_for
from harness.types import RunSpec


def run_one(spec: RunSpec, context: RunContext, options: RunOptions = RunOptions()) -> FinishedRun:
    """One run in the order the data flows; the executor decides what is reused, resumed and shared.

    One process at a time per spec (others wait, or with wait=False refuse); a finished run of the
    same spec and inputs is reused unless `force`. The plugins are `context.registry`'s, the data
    `context.data_dir`'s; their `prepare` gets the context with the spec's seed and the fit cache.
    """
    executor = executor_for(context, options)  # this process alone, or one of a data-parallel run's
    with executor.open(spec) as job:  # load the task, its examples and inputs; claim the run
        if isinstance(job, FinishedRun):
            return job  # the same spec and inputs finished already
        with executor.attempt(job):  # an error keeps what was answered, for --resume
            for batch in executor.pending(job):  # what is still missing, in batches; the model loads first
                # build the prompts, predict, parse
                executor.append(job, stages.answer(job.parts, batch, job.parser, job.spec, job.timing))
        return executor.write(job, stages.make_result)  # every process's answers, scored and written once
