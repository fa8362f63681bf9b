"""Which run stands for a leaderboard cell: the last to finish in its results folder, whatever the clocks said."""

from __future__ import annotations

import json

from harness.report.leaderboard import task_table
from tests.harness.report.fakeruns import predictions, write_run


def numbered(folder, sequence):
    run = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps({**run, "sequence": sequence}))


def test_the_run_numbered_last_wins_over_one_stamped_later_by_a_clock_ahead(tmp_path):
    numbered(write_run(tmp_path, "ahead", predictions(0, 0.2), started="2026-03-02T00:00:00"), 1)
    numbered(write_run(tmp_path, "newer", predictions(0, 0.9), started="2026-03-01T00:00:00"), 2)
    old = write_run(tmp_path, "unnumbered", predictions(0, 0.5), started="2026-04-01T00:00:00")
    table = task_table(tmp_path)
    newer = json.loads((tmp_path / "newer" / "run.json").read_text())["scores"]["accuracy"]
    assert table[("meld:test", "accuracy")].tolist() == [newer]
    (old / "run.json").unlink()
    for name in ("ahead", "newer"):  # numbers absent: the start times decide, as before
        run = json.loads((tmp_path / name / "run.json").read_text())
        (tmp_path / name / "run.json").write_text(json.dumps({k: v for k, v in run.items() if k != "sequence"}))
    ahead = json.loads((tmp_path / "ahead" / "run.json").read_text())["scores"]["accuracy"]
    assert task_table(tmp_path)[("meld:test", "accuracy")].tolist() == [ahead]
