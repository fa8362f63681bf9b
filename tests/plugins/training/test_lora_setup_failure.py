"""A `train` that fails at set-up leaves --out as it was, so the corrected command is accepted."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from harness.cli import main
from tests.conftest import real_data_root
from tests.plugins.training.lora_fixtures import tiny_base

QUICK = ("train_limit=8", "dev_limit=4", "epochs=1", "batch_size=4", "max_length=64", "warmup_steps=0")


def train_args(base, out, *extra):
    args = ["train", "-t", "meld", "--base", str(base), "--out", str(out), "--context", "0",
            "--data-dir", str(real_data_root())]
    for pair in QUICK + extra:
        args += ["--train-opt", pair]
    return args


@pytest.mark.slow
@pytest.mark.parametrize(
    "bad, message",
    [("target_modules=no_such_proj", "has no module(s) no_such_proj"), ("quantization=8bit", "needs a CUDA GPU")],
)
@pytest.mark.parametrize("made_beforehand", [False, True])
def test_a_set_up_failure_leaves_nothing_and_the_corrected_command_runs(tmp_path_factory, bad, message,
                                                                       made_beforehand):
    base = tiny_base(tmp_path_factory.getbasetemp())
    out = tmp_path_factory.mktemp("out") / "checkpoint"
    if made_beforehand:
        out.mkdir()
    failed = CliRunner().invoke(main, train_args(base, out, bad, "device=cpu"))
    assert failed.exit_code == 1 and message in failed.output and "Traceback" not in failed.output
    assert (list(out.iterdir()) == []) if made_beforehand else not out.exists()
    corrected = CliRunner().invoke(main, train_args(base, out, "device=cpu"))
    assert corrected.exit_code == 0, corrected.output
    assert (out / "dialoguellm.json").is_file()


@pytest.mark.slow
def test_wrapping_in_lora_prints_no_deprecation_warning(tmp_path_factory):
    import warnings

    from plugins.training import lora_model
    from plugins.training.lora_settings import parse_settings

    settings = parse_settings({"base": str(tiny_base(tmp_path_factory.getbasetemp()))})
    base = lora_model.load_base(settings, "cpu", "fp32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lora_model.wrap_lora(base, settings)
    assert [str(w.message) for w in caught if issubclass(w.category, FutureWarning)] == []
