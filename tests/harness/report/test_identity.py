"""Every format labels a number with its run's whole identity: runs differing in one option never look alike."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.discovery import default_registry
from harness.report import identity, plots
from harness.report.console import breakable
from harness.report.runs import load_runs
from harness.results.record import read_finished
from tests.harness.report.fakeruns import predictions, write_run

BASE = {"prompt": "k-shot", "prompt_args": {"k": "3", "template": "plain"}, "model": "hf:x",
        "model_args": {"mode": "score", "adapter": "on", "C": "1"}}
# Each variant changes one thing of BASE; its label must show that thing.
VARIANTS = {
    "mode": {"model_args": {"mode": "generate", "adapter": "on", "C": "1"}},
    "k": {"prompt_args": {"k": "5", "template": "plain"}},
    "adapter": {"model_args": {"mode": "score", "adapter": "off", "C": "1"}},
    "template": {"prompt_args": {"k": "3", "template": "dialoguellm"}},
    "C": {"model_args": {"mode": "score", "adapter": "on", "C": "3"}},
}


def spec(**changes):
    return {"task": "meld", "split": "test", "seed": 0, "limit": None, "parser": "strict", "task_args": {},
            **BASE, **changes}


def test_run_labels_tell_every_one_option_variant_apart():
    specs = [spec(), *(spec(**v) for v in VARIANTS.values()), spec(seed=1), spec(limit=100), spec(parser="lenient"),
             spec(task_args={"variant": "dialogue"}), spec(split="dev")]
    labels = [identity.run_label(s) for s in specs]
    assert len(set(labels)) == len(specs)
    assert "hf:x[C=1,adapter=on,mode=score]" in labels[0] and "(first 100)" in labels[7] and "seed=1" in labels[6]
    # Under a heading that names the task column, the rest still tells runs apart.
    short = [identity.run_label(s, task=False) for s in specs[:7]]
    assert len(set(short)) == 7


@pytest.fixture
def results(tmp_path):
    write_run(tmp_path, "base", predictions(1, 0.5), **BASE)
    for name, change in VARIANTS.items():
        write_run(tmp_path, name, predictions(len(name), 0.5), **{**BASE, **change})
    write_run(tmp_path, "limit", predictions(9, 0.5), **BASE, limit=100)
    write_run(tmp_path, "seed", predictions(8, 0.5), **BASE, seed=1)
    return tmp_path


def leaderboard(root, *args, width=300):
    result = CliRunner().invoke(main, ["leaderboard", "--results-dir", str(root), *args], terminal_width=width,
                                env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.stdout


def row_labels(root) -> set[tuple[str, str]]:
    """(model, prompt) of each run: what a leaderboard row must show somewhere."""
    labels = set()
    for folder in root.iterdir():
        run = json.loads((folder / "run.json").read_text())
        labels.add((identity.model_label(run["spec"]), identity.prompt_label(run["spec"])))
    return labels


@pytest.mark.parametrize("output_format", ["table", "markdown", "csv", "json", "latex", "html"])
def test_every_leaderboard_format_shows_each_option(results, output_format):
    text = leaderboard(results, "--format", output_format)
    for model, prompt in row_labels(results):
        if output_format == "latex":
            model, prompt = model.replace("_", r"\_"), prompt.replace("_", r"\_")
        assert model in text and prompt in text, (output_format, model, prompt)
    assert "(first 100)" in text  # the --limit run is its own column


def test_terminal_rows_are_distinct_and_wrap_between_options(results):
    text = leaderboard(results)
    body = [line for line in text.splitlines() if "hf:x" in line]
    assert len(body) == len(VARIANTS) + 2 and len(set(body)) == len(body)  # the seed-1 run has its own row
    words = {word for model, prompt in row_labels(results) for word in breakable(f"{model} {prompt}").split()}
    assert "adapter=off," in words and "mode=generate]" in words
    for width in (60, 100):
        narrow = leaderboard(results, width=width)
        missing = [word for word in words if word not in narrow]
        assert not missing, (width, missing)  # each option whole on one line: folded at separators only


def test_csv_and_json_rows_are_distinct(results):
    header, *rows = list(csv.reader(io.StringIO(leaderboard(results, "--format", "csv"))))
    labels = header.index("seed") + 1
    assert len({tuple(r[:labels]) for r in rows}) == len(rows) == len(VARIANTS) + 2
    records = json.loads(leaderboard(results, "--format", "json"))
    assert len({(r["model"], r["prompt"], r["seed"]) for r in records}) == len(records)


def test_plot_legends_and_titles_show_the_whole_identity(results):
    runs = [read_finished(folder) for folder in results.iterdir()]
    titles = {plots.run_title(run) for run in runs}
    assert len(titles) == len(runs)
    meld = [run for run in runs if run.spec.limit is None and run.spec.seed == 0]
    fig = plots.label_bars(meld)
    legend = [text.get_text() for text in fig.legends[0].get_texts()]
    assert len(set(legend)) == len(meld) and all("seed=0" in entry for entry in legend)


def test_few_shot_curve_joins_only_runs_differing_in_k(tmp_path):
    # generate-mode k=0 beside score-mode k>0; a --limit 100 run and a C=3 run beside the plain one.
    write_run(tmp_path, "gen-0", predictions(0, 0.1), prompt="zero-shot", model="hf:x", model_args={"mode": "generate"})
    for k in (1, 3):
        write_run(tmp_path, f"score-{k}", predictions(k, 0.5), prompt="k-shot", prompt_args={"k": str(k)},
                  model="hf:x", model_args={"mode": "score"})
    write_run(tmp_path, "lr-0", predictions(4, 0.4), prompt="zero-shot", model="tfidf-lr")
    write_run(tmp_path, "lr-limit", predictions(5, 0.3), prompt="zero-shot", model="tfidf-lr", limit=100,
              started="2026-02-01T00:00:00")
    write_run(tmp_path, "lr-c3", predictions(6, 0.6), prompt="zero-shot", model="tfidf-lr", model_args={"C": "3"},
              started="2026-03-01T00:00:00")
    write_run(tmp_path, "lr-1", predictions(7, 0.5), prompt="k-shot", prompt_args={"k": "1"}, model="tfidf-lr")
    fig = plots.shots(load_runs(default_registry(), tmp_path))
    panels = {axes.get_title(): axes for axes in fig.axes}
    assert set(panels) == {"meld:test", "meld:test (first 100)"}
    lines = {line.get_label(): list(line.get_xdata()) for line in panels["meld:test"].get_lines()}
    assert lines == {"hf:x[mode=generate] · seed=0": [0], "hf:x[mode=score] · seed=0": [1, 3],
                     "tfidf-lr · seed=0": [0, 1], "tfidf-lr[C=3] · seed=0": [0]}
    plain = next(line for line in panels["meld:test"].get_lines() if line.get_label() == "tfidf-lr · seed=0")
    run = json.loads((tmp_path / "lr-0" / "run.json").read_text())
    assert plain.get_ydata()[0] == pytest.approx(100 * run["scores"]["weighted_f1"])  # not the later C=3 run's


def test_shots_pivot_keeps_other_options_apart(tmp_path):
    write_run(tmp_path, "gen-0", predictions(0, 0.1), prompt="zero-shot", model="hf:x", model_args={"mode": "generate"})
    write_run(tmp_path, "score-1", predictions(1, 0.5), prompt="k-shot", prompt_args={"k": "1"}, model="hf:x",
              model_args={"mode": "score"})
    write_run(tmp_path, "lr-limit", predictions(5, 0.3), prompt="zero-shot", model="tfidf-lr", limit=100)
    records = json.loads(leaderboard(tmp_path, "--pivot", "shots", "--format", "json"))
    assert {(r["task"], r["model"]) for r in records} == {
        ("meld:test", "hf:x[mode=generate]"), ("meld:test", "hf:x[mode=score]"), ("meld:test (first 100)", "tfidf-lr")}


@pytest.mark.slow
def test_report_headings_name_each_run_whole(results, tmp_path):
    from html import escape

    from harness.report import html
    from harness.report.runs import named_runs

    runs = named_runs([], results)
    page = html.build(runs, default_registry(), sample=1)
    headings = [identity.run_label(run.spec.to_dict()) for run in runs]
    assert len(set(headings)) == len(runs)
    assert all(f"<h2>{escape(heading)}</h2>" in page for heading in headings)
