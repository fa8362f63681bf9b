"""The lora trainer's loss curve: read from the training_log.csv it writes; not claimed without one."""

from __future__ import annotations

import pytest

from harness.errors import DataError
from harness.types import LossCurve
from plugins.training import lora_output

HISTORY = [
    {"step": 1, "epoch": 0.5, "loss": 2.0, "learning_rate": 1e-4},
    {"step": 2, "epoch": 1.0, "loss": 1.5},
    {"step": 2, "epoch": 1.0, "eval_loss": 1.7, "eval_weighted_f1": 0.4},
    {"step": 3, "epoch": 1.5, "train_runtime": 9.0},  # no loss column: not a row
]


def test_loss_curve_reads_what_write_log_wrote(tmp_path):
    lora_output.write_log(tmp_path, HISTORY)
    assert lora_output.loss_curve(tmp_path) == LossCurve(
        train=((1.0, 2.0), (2.0, 1.5)), dev=((2.0, 1.7),), dev_metric=("weighted F1", ((2.0, 0.4),)),
        title=tmp_path.name,
    )


def test_a_folder_without_a_log_is_not_claimed_and_an_empty_log_is_one_line(tmp_path):
    assert lora_output.loss_curve(tmp_path) is None
    lora_output.write_log(tmp_path, [])
    with pytest.raises(DataError, match=r"training_log\.csv: holds no loss values yet"):
        lora_output.loss_curve(tmp_path)
