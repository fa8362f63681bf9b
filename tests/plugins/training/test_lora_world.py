"""LoRA training on several processes: the same effective batch, the same curve and adapter as one process."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.run.launcher import free_port
from plugins.training.lora_settings import parse_settings
from plugins.training.lora_world import layout
from tests.conftest import REPO, real_data_root
from tests.plugins.training.lora_fixtures import FAST_OPTIONS, tiny_base


@pytest.mark.parametrize(
    "world, micro, accumulation",
    [(1, 4, 15), (2, 3, 10), (3, 4, 5), (4, 3, 5), (5, 4, 3), (6, 2, 5), (10, 3, 2), (12, 1, 5), (60, 1, 1)],
)
def test_the_default_effective_batch_of_60_is_kept_on_any_number_of_processes(world, micro, accumulation):
    plan = layout(parse_settings({}), world)
    assert (plan.micro_batch_size, plan.accumulation) == (micro, accumulation)
    assert plan.effective_batch_size == 60 and plan.micro_batch_size <= 4


def test_a_batch_that_cannot_be_split_over_the_processes_is_a_one_line_error():
    with pytest.raises(ConfigError, match=r"batch_size 60 cannot be split evenly over 8 processes; .*batch_size=56"):
        layout(parse_settings({}), 8)


# Two processes (gloo on CPU) through the documented command, against one process in this one.
# Dropout off: each process would draw its own masks. Two epochs keep it short.
EXACT = {**FAST_OPTIONS, "dropout": "0", "epochs": "2"}


def losses(folder: Path) -> list[tuple[str, float]]:
    with open(folder / "training_log.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [(row["step"], float(row["loss"] or row["eval_loss"])) for row in rows]


@pytest.mark.slow
def test_accelerate_launch_trains_with_ddp_like_one_process(tmp_path_factory):
    import torch
    from safetensors.torch import load_file

    from tests.plugins.training.lora_fixtures import make_trainer, meld, run_context

    root = tmp_path_factory.getbasetemp()
    base = tiny_base(root)
    one = make_trainer(base, **EXACT).train([meld()], root / "ddp-one", run_context())
    out = root / "ddp-two"
    pairs = [f"{key}={value}" for key, value in EXACT.items() if key != "prompt.window"]  # --context 0 says it
    options = [arg for pair in pairs for arg in ("--train-opt", pair)]
    command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
               "--main_process_port", str(free_port()), "-m", "harness.cli", "train", "-t", "meld",
               "--base", str(base), "--out", str(out), "--context", "0", "--data-dir", str(real_data_root()), *options]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("trained 32 examples") == 1  # rank 0 reports
    two = json.loads((out / "dialoguellm.json").read_text())
    assert one["world"] == {"world_size": 1, "micro_batch_size": 4, "gradient_accumulation_steps": 2,
                            "effective_batch_size": 8}
    assert two["world"] == {"world_size": 2, "micro_batch_size": 4, "gradient_accumulation_steps": 1,
                            "effective_batch_size": 8}
    assert json.loads((out / "checkpoint-8" / "world.json").read_text())["world_size"] == 2
    assert two["global_steps"] == one["global_steps"] == 8 and two["fingerprint"] == one["fingerprint"]
    expected, found = losses(root / "ddp-one"), losses(out)
    assert [step for step, _ in found] == [step for step, _ in expected]
    assert max(abs(a - b) for (_, a), (_, b) in zip(found, expected)) < 1e-4
    assert found[-1][1] < found[0][1]  # it learned
    mine = load_file(str(out / "adapter_model.safetensors"))
    theirs = load_file(str(root / "ddp-one" / "adapter_model.safetensors"))
    assert mine.keys() == theirs.keys()
    assert all(torch.allclose(mine[key], theirs[key], atol=1e-5) for key in mine)
