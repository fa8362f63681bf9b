"""One process of a data-parallel test run: the tiny LLaMA scoring real MELD through pipeline.run.

Started by tests/harness/run/test_distributed.py as `python -m tests.harness.run.distributed_worker`
(one rank each, via harness.run.launcher.launch). The process whose RANK equals $KILL_RANK
kills itself (SIGKILL, no clean-up) when asked for its second batch: a crash in mid-run. With
$COUNTERS_DIR set, each process writes its model's own counters there (rank-K.json).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from harness.context import RunContext, World
from harness.registry import Registry
from harness.run import pipeline
from harness.sdk.testing import registry_with
from harness.types import RunSpec, frozen_mapping
from plugins.datasets.meld import Meld
from plugins.models.hf_causal import HFCausal
from plugins.prompts.zero_shot import ZeroShot

LIMIT = 40  # the first 40 MELD test utterances: several dialogues
BATCH = 4  # small batches, so a killed process has written some and not all of its share


class DyingHF(HFCausal):
    """The `hf` model, except in the process asked to crash."""

    batches = 0
    made: list[DyingHF] = []

    def __init__(self, **options: str):
        super().__init__(**options)
        DyingHF.made.append(self)

    def predict(self, prompts):
        DyingHF.batches += 1
        if DyingHF.batches == 2 and os.environ.get("KILL_RANK") == os.environ.get("RANK", "0"):
            os.kill(os.getpid(), signal.SIGKILL)
        return super().predict(prompts)


def spec(model: Path) -> RunSpec:
    return RunSpec(task="meld", prompt="zero-shot", model=f"hf:{model}", limit=LIMIT,
                   prompt_args=frozen_mapping({"window": "3"}), model_args=frozen_mapping({"mode": "score"}))


def main(model: str, data_dir: str, results_dir: str, resume: str) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    registry = registry_with([("tasks", Meld), ("prompts", ZeroShot), ("models", DyingHF)], base=Registry())
    context = RunContext(registry, world=World.from_env(), data_dir=Path(data_dir))
    result, folder = pipeline.run(spec(Path(model)), context, results_dir=Path(results_dir),
                                  resume=resume == "resume", batch_size=BATCH)
    rank = os.environ.get("RANK", "0")
    if os.environ.get("COUNTERS_DIR"):
        counted = DyingHF.made[-1].counters().to_json()
        Path(os.environ["COUNTERS_DIR"], f"rank-{rank}.json").write_text(json.dumps(counted))
    if rank == "0":
        print(json.dumps({"folder": str(folder), "n": result.n}))


if __name__ == "__main__":
    main(*sys.argv[1:])
