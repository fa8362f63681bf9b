"""CLI end to end: `ercbench compare` with the hf model on the real MELD test split, both answer modes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.results.record import iter_finished

# Enough utterances to hold several labels and whole dialogues, few enough for the fast suite.
LIMIT = 30


def compare(model_path, mode, data_dir, results_dir, *extra):
    args = ["compare", "-t", "meld", "--limit", str(LIMIT), "-m", f"hf:{model_path}", "-p", "zero-shot", "-p", "k-shot",
            "--prompt-opt", "window=2", "--model-opt", f"mode={mode}", "--model-opt", "max_new_tokens=4",
            "--model-opt", "batch_size=16", "--data-dir", str(data_dir), "--results-dir", str(results_dir), *extra]
    result = CliRunner().invoke(main, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    return {run.spec.prompt: run for run in iter_finished(results_dir)}


def test_generate_mode_reads_the_trained_answer(joy_llama, data_dir, tmp_path):
    runs = compare(joy_llama, "generate", data_dir, tmp_path / "results")
    assert set(runs) == {"zero-shot", "k-shot"}
    zero = runs["zero-shot"]
    rows = zero.predictions()
    assert len(rows) == LIMIT and zero.result.answer_mode == "generate"
    assert all(row.predicted == "joy" for row in rows)
    share_of_joy = sum(row.gold == "joy" for row in rows) / LIMIT
    assert abs(zero.result.score("accuracy") - share_of_joy) < 1e-12
    assert runs["k-shot"].result.n == LIMIT


@pytest.mark.slow
def test_score_mode_keeps_per_label_log_probs(tiny_llama, data_dir, tmp_path):
    runs = compare(tiny_llama, "score", data_dir, tmp_path / "results")
    for run in runs.values():
        assert run.result.n == LIMIT and run.result.n_unparsed == 0 and run.result.answer_mode == "score"
        rows = run.predictions()
        labels = set(run.result.labels)
        for row in rows:
            assert set(row.logprobs) == labels
            assert row.predicted == max(row.logprobs, key=row.logprobs.get)
