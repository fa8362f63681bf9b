"""harness.run.training: training through the registry's trainer, with clear errors."""

from __future__ import annotations

import pytest

from harness.errors import ConfigError, PluginError
from harness.run import training


def test_unknown_trainer_and_no_task_are_clear(tmp_path):
    with pytest.raises(PluginError, match="unknown trainer"):
        training.train("qlora-magic", ["sample"], tmp_path)
    with pytest.raises(ConfigError, match="at least one task"):
        training.train("lora", [], tmp_path)
