"""`ercbench compare` on the real MELD test split; leaderboard figures recomputed with scikit-learn."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sklearn.metrics import accuracy_score, f1_score

from harness.cli import main
from harness.results.store import read_predictions

MELD_LABELS = ["neutral", "joy", "surprise", "anger", "sadness", "disgust", "fear"]


def recompute(folder):
    rows = read_predictions(folder)
    gold = [row.gold for row in rows]
    predicted = [row.predicted or "<unparsed>" for row in rows]
    return (
        accuracy_score(gold, predicted),
        f1_score(gold, predicted, labels=MELD_LABELS, average="weighted", zero_division=0),
        len(rows),
    )


@pytest.mark.slow
def test_compare_on_real_meld_matches_sklearn(data_root, results_dir):
    runner = CliRunner()
    args = ["compare", "-t", "meld", "-m", "majority", "-m", "tfidf-lr",
            "--data-dir", str(data_root), "--results-dir", str(results_dir)]
    result = runner.invoke(main, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    board = runner.invoke(main, ["leaderboard", "--results-dir", str(results_dir), "--format", "json"])
    rows = {row["model"]: row for row in json.loads(board.output)}
    folders = {json.loads((f / "run.json").read_text())["spec"]["model"]: f
               for f in results_dir.iterdir() if not f.name.startswith(".")}
    for model in ("majority", "tfidf-lr"):
        accuracy, weighted, n = recompute(folders[model])
        assert n == 2610
        scores = json.loads((folders[model] / "run.json").read_text())["scores"]
        assert scores["accuracy"] == pytest.approx(accuracy, abs=1e-12)
        assert scores["weighted_f1"] == pytest.approx(weighted, abs=1e-12)
        # The leaderboard shows percentages rounded to 2 decimals, in every format.
        assert rows[model]["meld:test acc"] == round(100 * accuracy, 2)
        assert rows[model]["meld:test wF1"] == round(100 * weighted, 2)
    assert rows["majority"]["meld:test acc"] == 48.12
    assert rows["tfidf-lr"]["meld:test wF1"] > rows["majority"]["meld:test wF1"] + 10

    run = json.loads((folders["majority"] / "run.json").read_text())
    files = run["task_info"]["files"]
    assert any(path.endswith("test_sent_emo.csv") for path in files)
    assert "8d37103938f7067600839fe29d5a114a6cd1bcdafb75bec101e06464c5006888" in files.values()
    assert run["plugins"]["task"]["distribution"] == "ercbench"
