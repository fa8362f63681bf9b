"""Loading for LoRA: base path checks, precision and quantization choices, clear errors."""

from __future__ import annotations

import errno
import importlib.util

import pytest

from harness.errors import ConfigError
from plugins.training import lora_model
from plugins.training.lora import TrainingError
from plugins.training.lora_settings import parse_settings
from tests.plugins.training.lora_fixtures import make_trainer, meld, run_context, tiny_base


def test_base_must_exist_and_be_a_model_folder(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        lora_model.check_base(str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="has no config.json"):
        lora_model.check_base(str(tmp_path))
    with pytest.raises(ConfigError, match="no base model"):
        lora_model.check_base("")
    assert lora_model.check_base("meta-llama/Llama-2-7b-hf") == "meta-llama/Llama-2-7b-hf"


def test_precision_follows_the_hardware():
    assert lora_model.pick_precision(parse_settings({}), "cpu") == "fp32"
    assert lora_model.pick_precision(parse_settings({"precision": "bf16"}), "cpu") == "bf16"
    with pytest.raises(ConfigError, match="fp16 training needs a GPU"):
        lora_model.pick_precision(parse_settings({"precision": "fp16"}), "cpu")


@pytest.mark.skipif(importlib.util.find_spec("bitsandbytes") is not None, reason="bitsandbytes is installed")
def test_quantization_without_bitsandbytes_says_what_to_install():
    with pytest.raises(ConfigError, match="needs bitsandbytes"):
        lora_model.quantization_config("8bit")
    assert lora_model.quantization_config("none") is None


class DiskFullAfterFirstSave:
    """Simulates the disk filling up once the first checkpoint is on disk."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step > 4:
            raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_mid_run_names_the_last_good_checkpoint(tmp_path_factory):
    root = tmp_path_factory.getbasetemp()
    trainer = make_trainer(tiny_base(root), seed="11")
    trainer.callbacks.append(DiskFullAfterFirstSave())
    out = root / "disk-full"
    with pytest.raises(TrainingError, match=r"out of disk space at step 5; last good checkpoint: .*checkpoint-4"):
        trainer.train([meld()], out, run_context())
    assert (out / "checkpoint-4" / "adapter_model.safetensors").is_file()
