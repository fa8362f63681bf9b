"""`ercbench plot`: PNG and SVG files for confusion matrices, per-label F1, few-shot curves, loss curves."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.report import load_runs, plots
from harness.types import LossCurve
from tests.harness.report.fakeruns import LABELS, predictions, typed, write_run

pytest.importorskip("matplotlib")


def invoke(*args):
    return CliRunner().invoke(main, ["plot", *args])


def check_images(output: str, count: int) -> None:
    import matplotlib.image

    paths = output.split()
    assert len(paths) == count and {p.rsplit(".", 1)[1] for p in paths} == {"png", "svg"}
    for path in paths:
        if path.endswith(".png"):
            assert matplotlib.image.imread(path).shape[0] > 100
        else:
            assert Path(path).read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_confusion_counts_add_an_unparsed_column():
    rows = typed([{"id": "a", "gold": "joy", "predicted": "joy"}, {"id": "b", "gold": "joy", "predicted": None},
                  {"id": "c", "gold": "anger", "predicted": "joy"}])
    columns, matrix = plots.confusion_counts(rows, ["joy", "anger"])
    assert columns == ["joy", "anger", plots.UNPARSED]
    assert matrix == [[1, 0, 1], [1, 0, 0]]
    assert plots.confusion_counts(rows[:1], ["joy", "anger"])[0] == ["joy", "anger"]


@pytest.mark.slow
def test_confusion_and_label_plots(tmp_path):
    results = tmp_path / "results"
    write_run(results, "run-a", predictions(1, 0.5), model="a")
    write_run(results, "run-b", predictions(2, 0.7), model="b")
    out = tmp_path / "plots"
    result = invoke("confusion", "run-a", "run-b", "--results-dir", str(results), "--out", str(out))
    assert result.exit_code == 0, result.output
    check_images(result.output, 4)
    result = invoke("labels", "run-a", "run-b", "--results-dir", str(results), "--out", str(out))
    assert result.exit_code == 0, result.output
    check_images(result.output, 2)


def test_label_plot_refuses_different_label_sets(tmp_path):
    write_run(tmp_path, "run-a", predictions(1, 0.5))
    write_run(tmp_path, "run-b", predictions(2, 0.5), labels=LABELS[:3] + ("fear",))
    result = invoke("labels", "run-a", "run-b", "--results-dir", str(tmp_path), "--out", str(tmp_path / "p"))
    assert result.exit_code == 1 and "another label set" in result.output


@pytest.mark.slow
def test_shot_curve_with_ci_bands(tmp_path):
    results = tmp_path / "results"
    for k, skill in ((0, 0.4), (1, 0.5), (3, 0.6)):
        prompt, args = ("zero-shot", {}) if k == 0 else ("k-shot", {"k": str(k)})
        for model in ("m1", "m2"):
            write_run(results, f"{model}-{k}", predictions(k, skill), prompt=prompt, prompt_args=args, model=model)
    fig = plots.shots(load_runs(results))
    axes = fig.axes[0]
    assert sorted(line.get_label() for line in axes.get_lines()) == ["m1 · seed=0", "m2 · seed=0"]
    assert len(axes.collections) == 2  # one CI band per line
    assert list(axes.get_lines()[0].get_xdata()) == [0, 1, 3]
    result = invoke("shots", "--results-dir", str(results), "--out", str(tmp_path / "p"))
    assert result.exit_code == 0, result.output
    check_images(result.stdout, 2)


def test_shot_curve_without_shot_runs_says_what_to_run(tmp_path):
    write_run(tmp_path, "run-a", predictions(1, 0.5), prompt="other")
    result = invoke("shots", "--results-dir", str(tmp_path), "--out", str(tmp_path / "p"))
    assert result.exit_code == 1 and "compare --shots" in result.output


@pytest.mark.slow
def test_loss_figure_draws_what_the_trainer_read():
    curve = LossCurve(train=((10.0, 2.0), (20.0, 1.5), (30.0, 1.2)), dev=((20.0, 1.7), (40.0, 1.3)),
                      dev_metric=("weighted F1", ((20.0, 0.4), (40.0, 0.55))), title="ckpt")
    fig = plots.loss(curve)
    labels = [line.get_label() for ax in fig.axes for line in ax.get_lines()]
    assert labels == ["train loss", "dev loss", "dev weighted F1"]
    assert list(fig.axes[0].get_lines()[1].get_xdata()) == [20.0, 40.0] and fig.axes[0].get_title() == "ckpt"
    bare = plots.loss(LossCurve(train=((1.0, 2.0),), dev=()))
    assert [line.get_label() for ax in bare.axes for line in ax.get_lines()] == ["train loss"]


@pytest.mark.slow
def test_plot_loss_asks_the_trainer_that_wrote_the_folder(tmp_path):
    checkpoint = tmp_path / "ckpt"
    checkpoint.mkdir()
    (checkpoint / "training_log.csv").write_text(
        "step,epoch,loss,learning_rate,grad_norm,eval_loss,eval_weighted_f1\n"
        "10,0.5,2.0,1e-4,1.0,,\n20,1.0,1.5,1e-4,1.0,,\n20,1.0,,,,1.7,0.4\n30,1.5,1.2,1e-4,1.0,,\n40,2.0,1.0,,,1.3,0.55\n"
    )
    result = invoke("loss", str(checkpoint), "--out", str(tmp_path / "p"))
    assert result.exit_code == 0, result.output
    check_images(result.output, 2)


def test_loss_curve_without_a_log_is_one_line(tmp_path):
    result = invoke("loss", str(tmp_path), "--out", str(tmp_path / "p"))
    assert result.exit_code == 1 and f"{tmp_path}: no training log here: pass the --out folder" in result.output
    assert len(result.output.strip().splitlines()) == 1
