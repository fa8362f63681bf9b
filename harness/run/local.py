"""One process answers a whole run: resume takes in what every earlier attempt wrote, whatever its processes."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

from harness.run import attempts, stages
from harness.run.executor import Executor, Job, batches
from harness.types import Example, Prediction


class LocalExecutor(Executor):
    """With resume the inputs are checked before anything is answered; without it an earlier partial
    run is replaced only once the first batch is answered, so a Ctrl-C while loading loses nothing,
    and a first-seen checkpoint's hashing goes on while the model loads and answers."""

    @contextmanager
    def _attempt(self, job: Job) -> Iterator[None]:
        partial, resume = job.partial, self.options.resume
        self.writer, self.started = partial, False
        if resume:
            attempts.fold(partial, job.parts)  # take in what the processes of a data-parallel attempt wrote
            partial.start(True, job.inputs)
            self.started = True
            job.counted_before = attempts.counted_before(partial, job.parts)
        done = partial.done_predictions() if resume else {}
        self.todo = [example for example in job.examples if example.example_id not in done]
        job.resumed_from = self.done = len(done)
        self.total = len(done) + len(self.todo)
        try:
            yield
        except BaseException:
            if self.started:
                partial.discard_if_empty()  # keep predictions for --resume, never an empty folder
            raise

    def pending(self, job: Job) -> Iterator[Sequence[Example]]:
        if not self.todo:
            if not self.options.resume:
                job.partial.start(False, job.inputs)
            return
        stages.prepare(job.parts, job.timing)
        batch_size = job.parts.model.preferred_batch_size or self.options.batch_size  # e.g. a split per GPU call
        yield from batches(self.todo, batch_size)

    def append(self, job: Job, predictions: Sequence[Prediction]) -> None:
        if not self.started:  # the inputs are known by now, or the hashing finishes first
            job.partial.start(False, job.inputs)
            self.started = True
        super().append(job, predictions)
