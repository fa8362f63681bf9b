"""Our model loads draw no library progress bars, and leave the user's bar setting as it was."""

from __future__ import annotations

import pytest

from harness.lm import loading
from tests.tinymodels import build_tiny_llama


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_tiny_llama(tmp_path_factory.mktemp("quiet") / "model")


@pytest.mark.parametrize("bars_on", [True, False])
def test_loading_draws_no_weight_bars_and_restores_the_setting(tiny, capfd, bars_on):
    import torch
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    (hf_logging.enable_progress_bar if bars_on else hf_logging.disable_progress_bar)()
    try:
        AutoModelForCausalLM.from_pretrained(tiny, dtype=torch.float32)
        assert ("Loading weights" in capfd.readouterr().err) == bars_on  # what a plain load draws
        loading.load_model(str(tiny), torch.float32, device="cpu")
        assert "Loading weights" not in capfd.readouterr().err
        assert hf_logging.is_progress_bar_enabled() == bars_on
    finally:
        hf_logging.enable_progress_bar()
