"""Seeds as an axis: a leaderboard row per seed, or mean ± sample sd and the seed count, equal to numpy's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.discovery import default_registry
from harness.errors import ConfigError
from harness.report import aggregate_seeds, formats, leaderboard, load_runs
from tests.harness.report.fakeruns import predictions, write_run

SKILLS = {0: 0.35, 1: 0.5, 2: 0.65}


def with_seed(folder: Path, seed: int) -> None:
    path = folder / "run.json"
    run = json.loads(path.read_text(encoding="utf-8"))
    run["spec"]["seed"] = seed
    path.write_text(json.dumps(run), encoding="utf-8")


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    """Three seeds of one spec (different scores), one run of another model, and an older rerun of seed 0."""
    root = tmp_path / "results"
    write_run(root, "old-seed0", predictions(9, 0.1), started="2026-01-01T00:00:00")
    for seed, skill in SKILLS.items():
        with_seed(write_run(root, f"run-seed{seed}", predictions(seed, skill), started=f"2026-01-02T00:00:0{seed}"),
                  seed)
    write_run(root, "other", predictions(5, 0.4), model="tfidf-lr", started="2026-01-03T00:00:00")
    with_seed(root / "old-seed0", 0)
    return root


def per_seed(root: Path, metric: str) -> list[float]:
    runs = {json.loads((root / f"run-seed{s}" / "run.json").read_text())["spec"]["seed"]:
            json.loads((root / f"run-seed{s}" / "run.json").read_text())["scores"][metric] for s in SKILLS}
    return [runs[seed] for seed in sorted(runs)]


def test_the_leaderboard_shows_a_row_per_seed_never_only_the_latest(seeded):
    table = leaderboard.pivot(leaderboard.load_runs(seeded))
    assert list(table.index.names) == ["model", "prompt", "parser", "seed"]
    majority = table.xs("majority", level="model")
    assert sorted(majority.index.get_level_values("seed")) == ["0", "1", "2"]
    values = sorted(majority[("meld:test", "weighted_f1")])
    assert values == pytest.approx(sorted(per_seed(seeded, "weighted_f1")))  # the rerun replaced the old seed 0


@pytest.mark.parametrize("metric", ["accuracy", "weighted_f1"])
def test_mean_and_sd_across_seeds_equal_numpys(seeded, metric):
    scores = np.array(per_seed(seeded, metric))
    table = leaderboard.pivot(leaderboard.load_runs(seeded), aggregate="seeds")
    row = table.xs("majority", level="model").iloc[0]
    assert row[("meld:test", metric)] == pytest.approx(scores.mean())
    assert row[("meld:test", f"{metric}_sd")] == pytest.approx(scores.std(ddof=1))
    assert row[("meld:test", "seeds")] == 3
    frame = aggregate_seeds(load_runs(seeded, ci=False))
    one = frame[frame["model"] == "majority"].iloc[0]
    assert one[metric] == pytest.approx(scores.mean()) and one[f"{metric}_sd"] == pytest.approx(scores.std(ddof=1))
    assert one["seeds"] == 3
    alone = frame[frame["model"] == "tfidf-lr"].iloc[0]
    assert alone["seeds"] == 1 and np.isnan(alone[f"{metric}_sd"])  # one seed has no spread, not 0


def test_every_format_shows_mean_plus_minus_sd_and_the_seed_count(seeded):
    scores = np.array(per_seed(seeded, "weighted_f1"))
    board = formats.board(leaderboard.pivot(leaderboard.load_runs(seeded), aggregate="seeds"))
    shown = f"{100 * scores.mean():.2f} ± {100 * scores.std(ddof=1):.2f}"
    assert shown in formats.to_markdown(board) and shown in formats.to_html(board)
    assert shown.replace(" ± ", r" $\pm$ ") in formats.to_latex(board)
    record = json.loads(formats.to_json(board))
    majority = next(row for row in record if row["model"] == "majority")
    assert majority["meld:test wF1 sd"] == round(100 * scores.std(ddof=1), 2) and majority["meld:test seeds"] == 3
    result = CliRunner().invoke(main, ["leaderboard", "--results-dir", str(seeded), "--aggregate", "seeds"],
                                terminal_width=200)
    assert result.exit_code == 0, result.output
    assert shown in result.output


def test_aggregate_refuses_per_run_figures():
    with pytest.raises(ConfigError, match="belong to single runs"):
        from harness.report.seeds import check_aggregate

        check_aggregate("seeds", ci=True)


def test_compare_runs_every_seed_given(tmp_path):
    results = tmp_path / "results"
    args = ["compare", "-t", "sample", "-m", "majority", "--seed", "0", "--seed", "1", "--seeds", "1,2",
            "--results-dir", str(results)]
    result = CliRunner().invoke(main, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    seeds = sorted(json.loads((folder / "run.json").read_text())["spec"]["seed"]
                   for folder in results.iterdir() if not folder.name.startswith("."))
    assert seeds == [0, 1, 2]
    bad = CliRunner().invoke(main, ["compare", "-t", "sample", "--seeds", "0,x", "--results-dir", str(results)])
    assert bad.exit_code == 1 and "--seeds takes comma-separated whole numbers" in bad.output


def test_the_shots_pivot_has_a_row_per_seed_or_their_mean_and_sd(tmp_path):
    from harness.report.shots import pivot_shots, shot_rows

    root = tmp_path / "results"
    scores = []
    for seed, skill in SKILLS.items():
        folder = write_run(root, f"k3-seed{seed}", predictions(seed, skill), prompt="k-shot", prompt_args={"k": "3"},
                           started=f"2026-01-02T00:00:0{seed}")
        with_seed(folder, seed)
        scores.append(json.loads((folder / "run.json").read_text())["scores"]["weighted_f1"])
    rows = shot_rows(root, default_registry())
    assert list(pivot_shots(rows).index.get_level_values("seed")) == ["0", "1", "2"]
    across = pivot_shots(rows, "seeds").iloc[0]
    assert across[("k=3", "weighted_f1")] == pytest.approx(np.mean(scores))
    assert across[("k=3", "weighted_f1_sd")] == pytest.approx(np.std(scores, ddof=1))
    assert across[("k=3", "seeds")] == 3


def test_the_report_page_adds_the_table_across_seeds(seeded):
    from harness.report.html import build
    from harness.results.record import iter_finished

    scores = np.array(per_seed(seeded, "weighted_f1"))
    page = build(list(iter_finished(seeded)), default_registry())
    assert "<h2>Across seeds</h2>" in page
    assert f"{100 * scores.mean():.2f} ± {100 * scores.std(ddof=1):.2f}" in page
