"""CLI end to end: `ercbench compare` with the hf model on the real MELD test split, both answer modes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.results.store import iter_runs, read_predictions

# Enough utterances to hold several labels and whole dialogues, few enough for the fast suite.
LIMIT = 30


def compare(model_path, mode, data_dir, results_dir, *extra):
    args = ["compare", "-t", "meld", "--limit", str(LIMIT), "-m", f"hf:{model_path}", "-p", "zero-shot", "-p", "k-shot",
            "--prompt-opt", "window=2", "--model-opt", f"mode={mode}", "--model-opt", "max_new_tokens=4",
            "--model-opt", "batch_size=16", "--data-dir", str(data_dir), "--results-dir", str(results_dir), *extra]
    result = CliRunner().invoke(main, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    return {run["spec"]["prompt"]: run for run in iter_runs(results_dir)}


def test_generate_mode_reads_the_trained_answer(joy_llama, data_dir, tmp_path):
    runs = compare(joy_llama, "generate", data_dir, tmp_path / "results")
    assert set(runs) == {"zero-shot", "k-shot"}
    zero = runs["zero-shot"]
    rows = read_predictions(Path(zero["folder"]))
    assert len(rows) == LIMIT and zero["answer_mode"] == "generate"
    assert all(row.predicted == "joy" for row in rows)
    share_of_joy = sum(row.gold == "joy" for row in rows) / LIMIT
    assert abs(zero["scores"]["accuracy"] - share_of_joy) < 1e-12
    assert runs["k-shot"]["n"] == LIMIT


@pytest.mark.slow
def test_score_mode_keeps_per_label_log_probs(tiny_llama, data_dir, tmp_path):
    runs = compare(tiny_llama, "score", data_dir, tmp_path / "results")
    for run in runs.values():
        assert run["n"] == LIMIT and run["n_unparsed"] == 0 and run["answer_mode"] == "score"
        rows = read_predictions(Path(run["folder"]))
        labels = set(run["scores"]["confusion"]["labels"])
        for row in rows:
            assert set(row.logprobs) == labels
            assert row.predicted == max(row.logprobs, key=row.logprobs.get)
