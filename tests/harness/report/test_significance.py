"""Paired bootstrap and McNemar: checked against a separate computation; refusals are one line."""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.metrics import f1_score

from harness.cli import main
from harness.report import significance
from tests.harness.report.fakeruns import LABELS, predictions, write_run


@pytest.fixture
def two_runs(tmp_path):
    a = write_run(tmp_path, "run-a-weak", predictions(1, 0.45), model="weak")
    b = write_run(tmp_path, "run-b-strong", predictions(2, 0.75), model="strong")
    return tmp_path, a, b


def exact_mcnemar(b: int, c: int) -> float:
    n = b + c
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2**n
    return min(1.0, 2 * tail)


def test_mcnemar_matches_the_binomial_sum():
    for b, c in ((0, 0), (3, 9), (10, 10), (25, 40), (1, 0)):
        assert significance.mcnemar_exact(b, c) == pytest.approx(exact_mcnemar(b, c), rel=1e-9)


def test_paired_bootstrap_matches_a_plain_loop(two_runs):
    _, a, b = two_runs
    result = significance.compare_folders(a, b, resamples=100, seed=3)
    rows_a, rows_b = predictions(1, 0.45), predictions(2, 0.75)
    dialogues = list(dict.fromkeys(row["dialogue_id"] for row in rows_a))
    draws = np.random.default_rng(3).integers(0, len(dialogues), size=(100, len(dialogues)))
    by_run = [{d: [r for r in rows if r["dialogue_id"] == d] for d in dialogues} for rows in (rows_a, rows_b)]
    deltas = []
    for draw in draws:
        chosen = [dialogues[i] for i in draw]
        scores = []
        for by in by_run:
            sample = [r for d in chosen for r in by[d]]
            scores.append(f1_score([r["gold"] for r in sample], [r["predicted"] or "-" for r in sample],
                                   labels=list(LABELS), average="weighted", zero_division=0))
        deltas.append(scores[1] - scores[0])
    weighted = next(d for d in result.diffs if d.metric == "weighted_f1")
    assert [weighted.low, weighted.high] == pytest.approx(list(np.percentile(deltas, [2.5, 97.5])), abs=1e-12)
    right_a = [r["predicted"] == r["gold"] for r in rows_a]
    right_b = [r["predicted"] == r["gold"] for r in rows_b]
    only_a = sum(x and not y for x, y in zip(right_a, right_b))
    only_b = sum(y and not x for x, y in zip(right_a, right_b))
    assert (result.only_a_right, result.only_b_right) == (only_a, only_b)
    assert result.mcnemar_p == pytest.approx(exact_mcnemar(only_a, only_b), rel=1e-9)


def test_cli_verdict_in_plain_words(two_runs):
    root, _, _ = two_runs
    result = CliRunner().invoke(main, ["significance", "weak", "strong", "--results-dir", str(root)])
    assert result.exit_code == 0, result.output
    assert "weighted F1: B is better by" in result.output and "the gap is significant" in result.output
    assert "McNemar's exact test on accuracy: a significant difference" in result.output


def test_runs_of_different_sizes_say_the_scores_are_on_the_shared_examples(tmp_path):
    rows_a, rows_b = predictions(1, 0.45), predictions(2, 0.75)
    write_run(tmp_path, "run-a-all", rows_a, model="weak")
    write_run(tmp_path, "run-b-first", rows_b[:30], model="strong")
    result = CliRunner().invoke(main, ["significance", "run-a-all", "run-b-first", "--results-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[2].startswith("30 shared examples in ")
    assert lines[3] == (f"A has {len(rows_a)} examples and B 30: every score below is on the 30 shared ones, "
                        "not the runs' own scores.")
    same = CliRunner().invoke(main, ["significance", "run-a-all", "run-a-all", "--results-dir", str(tmp_path)])
    assert "A has" not in same.output


def test_a_small_gap_is_called_noise(tmp_path):
    write_run(tmp_path, "run-a", predictions(1, 0.60), model="x")
    write_run(tmp_path, "run-b", predictions(2, 0.61), model="y")
    result = CliRunner().invoke(main, ["significance", "run-a", "run-b", "--results-dir", str(tmp_path)])
    assert "within noise" in result.output and "no significant difference" in result.output


@pytest.mark.parametrize("change, message", [
    ({"task": "iemocap"}, "different tasks"),
    ({"split": "dev"}, "different splits"),
    ({"labels": ("neutral", "joy", "sadness", "fear")}, "different label sets"),
])
def test_refuses_runs_that_are_not_comparable(tmp_path, change, message):
    write_run(tmp_path, "run-a", predictions(1, 0.5))
    write_run(tmp_path, "run-b", predictions(2, 0.5), **change)
    result = CliRunner().invoke(main, ["significance", "run-a", "run-b", "--results-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_unknown_run_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["significance", "nope", "nada", "--results-dir", str(tmp_path)])
    assert result.exit_code == 1 and "no finished run 'nope'" in result.output
    assert len(result.output.strip().splitlines()) == 1
