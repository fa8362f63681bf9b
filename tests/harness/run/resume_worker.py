"""One process of a fast data-parallel test run: a hashing model answering real MELD through pipeline.run.

Started by tests/harness/run/test_resume_processes.py as `python -m tests.harness.run.resume_worker`
(one rank each, via harness.run.launcher.launch), or as `ercbench run ...` when the first argument is
`run`. The process whose RANK equals $KILL_RANK kills itself (SIGKILL, no clean-up) when asked for
its second batch.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sys
from pathlib import Path

from harness.context import RunContext, World
from harness.interfaces import Model
from harness.registry import Registry
from harness.run import pipeline
from harness.sdk.testing import TESTING_ORIGIN, registry_with
from harness.types import Completion, RunSpec
from plugins.datasets.meld import Meld
from plugins.prompts.zero_shot import ZeroShot

LIMIT = 60  # the first 60 MELD test utterances: several dialogues
BATCH = 4


class HashedModel(Model):
    """Right on about two thirds of the examples (chosen by a hash of the id), else the first choice."""

    name = "hashed"
    description = "answers by a hash of the example id"
    batches = 0
    preferred_batch_size = BATCH  # whatever batch size the run asks

    def predict(self, prompts):
        HashedModel.batches += 1
        if HashedModel.batches == 2 and os.environ.get("KILL_RANK") == os.environ.get("RANK", "0"):
            os.kill(os.getpid(), signal.SIGKILL)
        answers = []
        for prompt in prompts:
            right = hashlib.sha256(prompt.example.example_id.encode()).digest()[0] % 3 != 0
            gold = next(c for c, label in prompt.answer_map.items() if label == prompt.example.gold)
            answers.append(Completion(prompt.example.example_id, text=gold if right else next(iter(prompt.answer_map))))
        return answers


SPEC = RunSpec(task="meld", prompt="zero-shot", model="hashed", limit=LIMIT)


def registry() -> Registry:
    return registry_with([("tasks", Meld), ("prompts", ZeroShot), ("models", HashedModel)], base=Registry())


def main(data_dir: str, results_dir: str, resume: str) -> None:
    context = RunContext(registry(), world=World.from_env(), data_dir=Path(data_dir))
    pipeline.run(SPEC, context, results_dir=Path(results_dir), resume=resume == "resume", batch_size=BATCH)


def cli() -> None:
    """`ercbench run ...` with the hashing model installed."""
    from harness import discovery
    from harness.cli import main as ercbench

    discovery.default_registry().add("models", HashedModel, TESTING_ORIGIN)
    ercbench(sys.argv[1:])


if __name__ == "__main__":
    cli() if sys.argv[1:2] == ["run"] else main(*sys.argv[1:])
