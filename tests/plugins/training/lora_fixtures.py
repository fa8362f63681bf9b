"""Shared builders for LoRA tests: a tiny base model and a short real-MELD training run, made once per session."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.conftest import real_data_root

# A few dozen optimizer steps on the first MELD train utterances; window 0 keeps prompts short.
FAST_OPTIONS = {
    "prompt.window": "0",
    "train_limit": "32",
    "dev_limit": "8",
    "batch_size": "8",
    "micro_batch_size": "4",
    "epochs": "3",
    "lr": "5e-3",
    "warmup_steps": "2",
    "logging_steps": "1",
    "max_length": "96",
    "seed": "7",
}
_BUILT: dict[str, Any] = {}


def offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def tiny_base(root: Path) -> Path:
    """A random tiny LLaMA (built once per session root)."""
    from tests.tinymodels import build_tiny_llama

    offline()
    key = f"base:{root}"
    if key not in _BUILT:
        _BUILT[key] = build_tiny_llama(root / "tiny-base", seed=3)
    return _BUILT[key]


def meld():
    from harness.discovery import default_registry

    return default_registry().get("tasks", "meld").cls(real_data_root())


def make_trainer(base: Path, **extra: str):
    from harness.discovery import default_registry

    options = {"base": str(base), **FAST_OPTIONS, **extra}
    trainer = default_registry().get("trainers", "lora").cls(**options)
    trainer.console = quiet_console()
    return trainer


def run_context():
    """What `ercbench train` hands the trainer: the installed plugins, one process."""
    from harness.context import RunContext
    from harness.discovery import default_registry

    return RunContext(default_registry())


def quiet_console():
    from rich.console import Console

    return Console(quiet=True)


def trained_checkpoint(root: Path) -> Path:
    """The FAST_OPTIONS run trained once per session root; returns its output folder."""
    key = f"ckpt:{root}"
    if key not in _BUILT:
        out = root / "trained"
        make_trainer(tiny_base(root)).train([meld()], out, run_context())
        _BUILT[key] = out
    return _BUILT[key]
