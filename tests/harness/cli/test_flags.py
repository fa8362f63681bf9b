"""Flags in another tool's style (-t a,b, --model-opt k=v,k=v, fractional --limit) get a line saying ercbench's way."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.cli.common import one_pair_per_flag


def one_line(result) -> str:
    line = result.output.strip()
    assert "\n" not in line and "Traceback" not in line, result.output
    return line


@pytest.mark.parametrize("args, says", [
    (["run", "-t", "sample,meld", "-m", "majority"],
     "repeat -t for several with `ercbench compare`: -t sample -t meld"),
    (["compare", "-t", "sample,meld", "-m", "majority"], "one name per -t; repeat -t for several: -t sample -t meld"),
    (["compare", "-t", "sample", "-m", "majority, tfidf-lr"], "-m majority -m tfidf-lr"),
    (["compare", "-t", "sample", "-p", "zero-shot,k-shot"], "-p zero-shot -p k-shot"),
    (["compare", "-t", "sample", "-m", "tfidf-lr", "--model-opt", "C=3,context=2"],
     "one K=V per --model-opt; repeat it: --model-opt C=3 --model-opt context=2"),
    (["run", "-t", "sample", "-m", "majority", "--prompt-opt", "window=2, speakers=off"],
     "--prompt-opt window=2 --prompt-opt speakers=off"),
    (["run", "-t", "sample", "-m", "majority", "--limit", "0.1"], "'0.1' is a fraction; --limit takes a number of"),
    (["compare", "-t", "sample", "--limit", "1e3"], "'1e3' is a fraction"),
    (["run", "-t", "sample", "-m", "majority", "--limit", "ten"], "'ten' is not a whole number"),
    (["train", "-t", "sample,meld", "--base", "b", "--out", "o"], "-t sample -t meld"),
    (["train", "-t", "meld", "--base", "b", "--out", "o", "--limit", "0.5"], "'0.5' is a fraction"),
    (["train", "-t", "meld", "--base", "b", "--out", "o", "--train-opt", "r=4,epochs=1"],
     "--train-opt r=4 --train-opt epochs=1"),
])
def test_the_ercbench_way_is_one_line_before_anything_runs(args, says, tmp_path):
    result = CliRunner().invoke(main, [*args, "--results-dir", str(tmp_path)] if args[0] != "train" else args)
    assert result.exit_code == 2 and says in one_line(result)
    assert not any(tmp_path.iterdir())  # nothing ran


def test_a_value_that_is_itself_a_list_of_pairs_passes():
    one_pair_per_flag(["model_args=pretrained=x,batch_size=4"], ["batch_size", "model_args"], "--model-opt")
    one_pair_per_flag(["stop=a,b"], ["stop"], "--model-opt")
    with pytest.raises(click.UsageError, match="--model-opt mode=score --model-opt batch_size=4"):
        one_pair_per_flag(["mode=score,batch_size=4"], ["batch_size", "mode"], "--model-opt")


def test_a_positive_whole_limit_still_runs(tmp_path):
    result = CliRunner().invoke(main, ["run", "-t", "sample", "-m", "majority", "--limit", " 3", "--results-dir",
                                       str(tmp_path)])
    assert result.exit_code == 0 and "n=3" in result.output


@pytest.mark.parametrize("model, says", [
    ("hf:/no/such/model", "hf: model path '/no/such/model' does not exist"),
    ("hf", "hf: no model given; use -m hf:PATH_OR_HUB_ID"),
    ("lm-eval:./no-such-folder", "lm-eval: no such model folder ./no-such-folder"),
])
def test_compare_checks_every_model_before_running_the_first(model, says, tmp_path):
    result = CliRunner().invoke(main, ["compare", "-t", "sample", "-m", "majority", "-m", model,
                                       "--results-dir", str(tmp_path)])
    assert result.exit_code == 1 and says in one_line(result)
    assert not any(tmp_path.iterdir())  # majority did not run first
