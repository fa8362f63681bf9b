"""One process of a data-parallel run: each answers whole dialogues into its own shard; rank 0 merges them."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

from harness.results.record import FinishedRun
from harness.run import attempts, collective, distributed, stages
from harness.run.executor import Executor, Job, MakeResult, batches
from harness.types import Example


class ParallelExecutor(Executor):
    """Rank 0 opens the partial folder, each process loads the model and answers its shard into its
    own folder (predictions and attempt.json), rank 0 folds them in: the predictions, the lowest
    rank's settings and every process's counts added to the earlier attempts'.

    A failure anywhere stops every process; rank 0 keeps the predictions for --resume (and drops
    an empty folder) only once all have stopped writing.
    """

    @contextmanager
    def _attempt(self, job: Job) -> Iterator[None]:
        world, partial, resume = self.world, job.partial, self.options.resume
        world.first(lambda: self._open(job))
        done = partial.done_predictions() if resume else {}
        self.todo = [example for example in distributed.shard(job.examples, world.rank, world.size)
                     if example.example_id not in done]
        job.resumed_from = self.done = len(done)
        self.total = len(done) + len(self.todo)
        try:
            with world.sharing_failure():
                yield
        except collective.PeerLost:
            raise  # a peer may still be writing: leave every file as it is, for --resume
        except Exception:
            if world.is_main:
                attempts.fold(partial, job.parts)
                partial.discard_if_empty()
            raise
        if world.is_main:  # every process has stopped writing: the gather of sharing_failure waited for it
            attempts.fold(partial, job.parts)

    def _open(self, job: Job) -> None:
        """Rank 0's start: fold in what earlier processes wrote (so that the check of the inputs sees
        it), then continue or replace the partial folder."""
        if self.options.resume and job.partial.folder.is_dir():
            attempts.fold(job.partial, job.parts)
        job.partial.start(self.options.resume, job.inputs)

    def pending(self, job: Job) -> Iterator[Sequence[Example]]:
        self.writer = distributed.rank_writer(job.partial, self.world.rank)  # no two processes share a file
        if not self.todo:  # a process with nothing left to answer never loads the model
            return
        stages.prepare(job.parts, job.timing)
        yield from batches(self.todo, job.parts.model.preferred_batch_size or self.options.batch_size)

    def write(self, job: Job, make: MakeResult) -> FinishedRun:
        timing = distributed.slowest(self.world.gather(job.timing))  # the processes ran side by side
        tokens = distributed.total(self.world.gather(job.parts.model.tokens_computed))
        job.timing = {**timing, "tokens_computed": tokens}
        return super().write(job, make)
