"""--shots expands one compare into zero-shot and k-shot runs, and results pivot by k."""

from __future__ import annotations

import pandas as pd
import pytest

from harness.errors import ConfigError
from harness.pipeline import run
from harness.shots import parse_shots, pivot_shots, shot_specs, shots_of
from harness.types import RunSpec, frozen_mapping


def test_parse_shots():
    assert parse_shots("0, 1,3,5") == [0, 1, 3, 5]
    for bad in ("", "1,,2", "-1", "a", "1,1"):
        with pytest.raises(ConfigError):
            parse_shots(bad)


def test_shot_specs_use_zero_shot_for_k0_and_keep_options():
    base = RunSpec(task="meld", prompt="k-shot", model="majority",
                   prompt_args=frozen_mapping({"template": "dialoguellm", "selection": "retrieved", "k": "9"}))
    zero, three = shot_specs(base, [0, 3])
    assert (zero.prompt, dict(zero.prompt_args)) == ("zero-shot", {"template": "dialoguellm"})
    assert (three.prompt, dict(three.prompt_args)) == ("k-shot", {"template": "dialoguellm", "selection": "retrieved", "k": "3"})
    assert [shots_of(s.to_dict()) for s in (zero, three)] == [0, 3]
    with pytest.raises(ConfigError, match="sweeps"):
        shot_specs(RunSpec(task="meld", prompt="other", model="m"), [1])


def test_sweep_runs_and_pivots(tmp_path):
    base = RunSpec(task="sample", prompt="zero-shot", model="majority", split="test", parser="lenient")
    records = []
    for spec in shot_specs(base, [0, 1, 3]):
        result, _ = run(spec, results_dir=tmp_path)
        records.append({"task": spec.task, "model": spec.model, "shots": shots_of(spec.to_dict()),
                        "weighted_f1": result.scores["weighted_f1"]})
    records.append({"task": "sample", "model": "other", "shots": None, "weighted_f1": 0.1})
    table = pivot_shots(pd.DataFrame(records))
    assert list(table.columns) == ["task", "model", "k=0", "k=1", "k=3"]
    assert len(table) == 1  # the run without a k is not pivoted
