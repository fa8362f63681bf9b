"""Shared fixtures for model-plugin tests: real data, tiny LLaMA models built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def offline_hub():
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


@pytest.fixture(scope="session")
def data_dir(data_root) -> Path:
    return data_root


@pytest.fixture(scope="session")
def meld_prompts(data_dir):
    """The first 6 MELD test examples as zero-shot prompts (window 2 keeps them short)."""
    from plugins.datasets.meld import Meld
    from plugins.prompts.zero_shot import ZeroShot

    examples = Meld(data_dir).examples("test")[:6]
    return ZeroShot(window="2").build(examples)


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory) -> Path:
    """A random tiny LLaMA whose tokenizer adds BOS like LLaMA's does."""
    from tests.tinymodels import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("tiny") / "model", add_bos=True)


@pytest.fixture(scope="session")
def joy_llama(tmp_path_factory, data_dir) -> Path:
    """A tiny LLaMA trained to answer " joy" after MELD zero-shot prompts."""
    from plugins.datasets.meld import Meld
    from plugins.prompts.zero_shot import ZeroShot
    from tests.tinymodels import build_tiny_llama, train_to_answer

    folder = build_tiny_llama(tmp_path_factory.mktemp("joy") / "model", add_bos=True, seed=1)
    prompts = ZeroShot(window="2").build(Meld(data_dir).examples("train")[:4])
    return train_to_answer(folder, [p.text for p in prompts], " joy", steps=12, lr=5e-2)
