"""Leaderboard exports: the same rounded numbers in every format; LaTeX compiles; 80 columns readable."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.report import formats
from tests.harness.report.fakeruns import predictions, write_run

FORMATS = ("table", "markdown", "csv", "json", "latex", "html")


@pytest.fixture
def results(tmp_path):
    write_run(tmp_path, "r1", predictions(1, 0.45), model="weak_model", model_args={"device": "cpu"})
    write_run(tmp_path, "r2", predictions(2, 0.75), model="strong&50%", prompt="k-shot", prompt_args={"k": "3"})
    write_run(tmp_path, "r3", predictions(3, 0.60), model="weak_model", model_args={"device": "cpu"},
              task="iemocap", store_ci=False)
    return tmp_path


def leaderboard(root, *args, width=80):
    result = CliRunner().invoke(main, ["leaderboard", "--results-dir", str(root), *args], terminal_width=width,
                                env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.stdout


def numbers(text: str) -> list[str]:
    """Decimal numbers as 2-decimal strings (JSON writes 65.2 for 65.20)."""
    return [f"{float(x):.2f}" for x in re.findall(r"\d+\.\d+", text)]


def expected_numbers(root) -> set[str]:
    found = set()
    for folder in root.iterdir():
        run = json.loads((folder / "run.json").read_text())
        for metric in ("accuracy", "weighted_f1"):
            found.add(f"{100 * run['scores'][metric]:.2f}")
    return found


def test_every_format_shows_the_same_numbers(results):
    expected = expected_numbers(results)
    for output_format in FORMATS:
        output = leaderboard(results, "--format", output_format, width=200)
        shown = set(numbers(output.split("</style>")[-1]))  # not the page's CSS
        assert shown == expected, output_format
    rows = json.loads(leaderboard(results, "--format", "json"))
    assert {row["meld:test acc"] for row in rows} <= {float(x) for x in expected} | {None}
    table = list(csv.reader(io.StringIO(leaderboard(results, "--format", "csv"))))
    assert "-" in [cell for row in table for cell in row]  # iemocap is missing for one row


def test_ci_and_per_label_columns(results):
    text = leaderboard(results, "--format", "csv", "--ci", "--per-label")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert "meld:test acc lo" in header and "meld:test wF1 hi" in header and "meld:test F1 joy" in header
    run = json.loads((results / "r2" / "run.json").read_text())
    row = next(dict(zip(header, r)) for r in rows if r[0] == "strong&50%")
    low, high = run["scores"]["ci"]["weighted_f1"]
    assert row["meld:test wF1 lo"] == f"{100 * low:.2f}" and row["meld:test wF1 hi"] == f"{100 * high:.2f}"
    assert row["meld:test F1 joy"] == f"{100 * run['scores']['per_label']['joy']['f1']:.2f}"
    # r3 stored no CI: it is recomputed from predictions.jsonl
    assert "iemocap:test acc lo" in header
    markdown = leaderboard(results, "--format", "markdown", "--ci")
    assert re.search(r"\*\*\d+\.\d\d\*\* \[\d+\.\d\d, \d+\.\d\d\]", markdown)


def test_markdown_is_a_github_table_without_fractions_or_nan(results):
    table, notes = leaderboard(results, "--format", "markdown", "--with-reported").strip().split("\n\n")
    lines = table.splitlines()
    assert notes.startswith("- A = seeds=") and "warning: mixed conditions" in notes
    assert lines[0].startswith("| model | prompt | parser |") and set(lines[1]) <= set("|-:")
    assert all(line.count("|") == lines[0].count("|") for line in lines)
    body = "\n".join(lines)
    assert "nan" not in body and not re.search(r"\b0\.\d{3,}", body)
    reported = [line for line in lines if "reported: InstructERC" in line]
    assert reported and reported[0].rstrip(" |").endswith("-")  # published rows: unparsed '-', not 0


def test_latex_escapes_names_and_bolds_the_best(results):
    text = leaderboard(results, "--format", "latex", "--ci")
    assert r"\toprule" in text and r"\midrule" in text and r"\bottomrule" in text
    assert r"strong\&50\%" in text and r"weak\_model[device=cpu]" in text
    strong = next(line for line in text.splitlines() if line.startswith(r"strong\&"))
    assert strong.count(r"\textbf") == 2  # best accuracy and weighted F1 on meld


@pytest.mark.slow
def test_latex_compiles(results, tmp_path):
    engine = shutil.which("pdflatex") or shutil.which("lualatex")
    if engine is None:
        pytest.skip("no LaTeX engine: apt-get install texlive-latex-base texlive-latex-recommended")
    table = leaderboard(results, "--format", "latex", "--ci", "--per-label", "--with-reported")
    document = tmp_path / "doc.tex"
    document.write_text("\\documentclass{article}\n\\usepackage{booktabs}\n\\usepackage[landscape]{geometry}\n"
                        "\\begin{document}\n\\tiny\n" + table + "\\end{document}\n")
    done = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", document.name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


@pytest.mark.parametrize("args", [(), ("--ci",), ("--per-label",), ("--with-reported", "--ci"), ("--pivot", "shots")])
def test_table_fits_80_columns_when_piped_and_never_truncates(results, args):
    text = leaderboard(results, *args, width=80)
    assert "…" not in text and "em…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    for value in expected_numbers(results):
        assert value in text
    if "--with-reported" in args:
        assert "T1 = " in text  # abbreviated headers come with a legend


def test_wide_terminal_shows_full_headers(results):
    text = leaderboard(results, width=200)
    assert "meld:test" in text and "T1 =" not in text


def test_ci_refused_with_the_shots_pivot(results):
    result = CliRunner().invoke(main, ["leaderboard", "--results-dir", str(results), "--pivot", "shots", "--ci"])
    assert result.exit_code == 1 and "--ci and --per-label go with --pivot task" in result.output


def test_board_marks_ties_and_skips_constant_columns():
    import pandas as pd

    columns = pd.MultiIndex.from_tuples([("t", "accuracy"), ("t", "weighted_f1")])
    table = pd.DataFrame([[0.5, 0.2], [0.5, 0.3], [0.4, None]], columns=columns,
                         index=pd.Index(["a", "b", "c"], name="model"))
    board = formats.board(table)
    assert [board.is_best(r, 0) for r in range(3)] == [True, True, False]
    assert [board.is_best(r, 1) for r in range(3)] == [False, True, False]
    assert formats.text(board.cells[2][1], board.columns[1]) == "-"


def test_progress_goes_to_stderr_on_a_terminal_only(results):
    args = ["leaderboard", "--results-dir", str(results), "--ci", "--format", "csv"]
    terminal = CliRunner().invoke(main, args, env={"FORCE_COLOR": "1"})
    assert terminal.exit_code == 0 and "confidence intervals" in terminal.stderr
    assert "confidence intervals" not in terminal.stdout
    piped = CliRunner().invoke(main, args)
    assert piped.stderr == ""


def test_labels_stay_whole_when_the_table_fits_the_line(tmp_path):
    write_run(tmp_path, "a", predictions(1, 0.45), model="majority", task="sample")
    write_run(tmp_path, "b", predictions(2, 0.75), model="tfidf-lr", model_args={"C": "3"}, task="sample")
    text = leaderboard(tmp_path, width=80)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "tfidf-lr[C=3]" in text and "zero-shot" in text  # no label folded onto a second line
