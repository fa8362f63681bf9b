"""Damaged results are found (counts, recomputed scores), moved aside on --repair, and never hide good runs."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.context import RunContext
from harness.results import check, store
from harness.results.record import iter_finished
from harness.results.sequence import SEQUENCE_FILE
from harness.results.store import PREDICTIONS_FILE, RUN_FILE, PartialRun
from harness.run import pipeline
from harness.sdk.testing import registry_with
from harness.types import RunSpec

DAMAGE = {
    "empty object": (RUN_FILE, b"{}"),
    "null": (RUN_FILE, b"null"),
    "binary": (RUN_FILE, b"\x89PNG\x00\xff\xfe"),
    "truncated run.json": (RUN_FILE, None),
    "truncated predictions": (PREDICTIONS_FILE, None),
    "missing predictions": (PREDICTIONS_FILE, b""),
}


@pytest.fixture
def two_runs(results_dir):
    registry = registry_with()
    good = [pipeline.run(RunSpec(task="tiny", prompt="zero-shot", model="echo-gold", seed=seed), RunContext(registry),
                         results_dir=results_dir)[1] for seed in (0, 1)]
    return good


def damage(folder, how):
    name, data = DAMAGE[how]
    path = folder / name
    if how == "missing predictions":
        path.unlink()
    elif data is None:
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    else:
        path.write_bytes(data)


@pytest.mark.parametrize("how", sorted(DAMAGE))
def test_each_kind_of_damage_is_found_and_moved_aside(two_runs, results_dir, how):
    bad, good = two_runs
    damage(bad, how)
    findings = check.check(results_dir)
    assert [f.folder for f in findings] == [bad] and not findings[0].fixable
    before = sorted(p.name for p in bad.iterdir())
    message = check.repair(results_dir, findings[0])
    shelved = results_dir / check.QUARANTINE / bad.name
    assert f"moved {bad}" in message and not bad.exists()
    assert sorted(p.name for p in shelved.iterdir()) == sorted(before + ["DAMAGED.txt"])  # nothing deleted
    assert check.check(results_dir) == [] and [r.folder for r in iter_finished(results_dir)] == [good]


def test_scores_that_disagree_with_predictions_are_found(two_runs, results_dir):
    bad, _ = two_runs
    run = json.loads((bad / RUN_FILE).read_text())
    run["scores"]["weighted_f1"] = 0.5
    (bad / RUN_FILE).write_text(json.dumps(run))
    (finding,) = check.check(results_dir)
    assert "weighted_f1 0.500000 in run.json but 1.000000 from its predictions" in finding.problem


def test_duplicated_and_extra_predictions_are_found(two_runs, results_dir):
    bad, _ = two_runs
    lines = (bad / PREDICTIONS_FILE).read_text().splitlines(keepends=True)
    (bad / PREDICTIONS_FILE).write_text("".join(lines + lines[:1]))
    (finding,) = check.check(results_dir)
    assert "1 duplicated prediction id" in finding.problem


def test_a_torn_tail_after_n_predictions_is_cut_and_the_original_kept(two_runs, results_dir):
    bad, _ = two_runs
    original = (bad / PREDICTIONS_FILE).read_bytes()
    (bad / PREDICTIONS_FILE).write_bytes(original + b'{"id": "x", "go')
    (finding,) = check.check(results_dir)
    assert finding.fixable
    assert "repaired" in check.repair(results_dir, finding)
    assert (bad / PREDICTIONS_FILE).read_bytes() == original and check.check(results_dir) == []
    assert (results_dir / check.QUARANTINE / bad.name / PREDICTIONS_FILE).read_bytes().endswith(b'"go')


@pytest.mark.parametrize("how", ["empty object", "null", "binary", "truncated run.json", "truncated predictions"])
def test_leaderboard_shows_good_runs_and_one_warning_line_per_bad_one(two_runs, results_dir, how):
    bad, good = two_runs
    damage(bad, how)
    result = CliRunner().invoke(main, ["leaderboard", "--results-dir", str(results_dir),
                                                       "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.strip().splitlines()) == 2  # header + the good run
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == 1 and bad.name in warnings[0] and "Traceback" not in result.stderr


def test_cli_check_exits_non_zero_until_repaired(two_runs, results_dir):
    bad, _ = two_runs
    damage(bad, "null")
    runner = CliRunner()
    first = runner.invoke(main, ["results", "check", "--results-dir", str(results_dir)])
    assert first.exit_code == 1 and "damaged:" in first.output and "1 of 2 runs sound" in first.output
    fixed = runner.invoke(main, ["results", "check", "--results-dir", str(results_dir), "--repair"])
    assert fixed.exit_code == 0 and "moved" in fixed.output
    again = runner.invoke(main, ["results", "check", "--results-dir", str(results_dir)])
    assert again.exit_code == 0 and "1 of 1 runs sound" in again.output


def test_the_repair_hint_names_the_results_folder_it_was_given(two_runs, results_dir, capsys):
    bad, _ = two_runs
    damage(bad, "binary")
    first = CliRunner().invoke(main, ["results", "check", "--results-dir", str(results_dir)])
    assert f"`ercbench results check --results-dir {results_dir} --repair` moves them" in first.output
    assert len(list(iter_finished(results_dir))) == 1
    warning = capsys.readouterr().err
    assert f"--results-dir {results_dir} --repair` moves it aside" in warning
    assert store.check_hint("results") == "`ercbench results check`"  # the default folder needs no flag


@pytest.mark.parametrize("command", ["check", "clean"])
def test_a_mistyped_results_folder_is_refused_not_reported_clean(tmp_path, command):
    result = CliRunner().invoke(main, ["results", command, "--results-dir", str(tmp_path / "reslts")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        f"Error: Invalid value for '--results-dir': Directory '{tmp_path / 'reslts'}' does not exist."
        " (see 'main results check --help')".replace("check", command)]


def test_clean_lists_and_removes_orphaned_partials_but_not_finished_runs(two_runs, results_dir):
    orphan = PartialRun(results_dir, RunSpec(task="tiny", prompt="zero-shot", model="echo-gold", seed=9))
    orphan.start(resume=False, inputs={"data": {}, "labels": [], "model": {}})
    (results_dir / ".abc.lock").write_text('{"pid": 1, "host": "h", "since": "t"}')
    runner = CliRunner()
    listed = runner.invoke(main, ["results", "clean", "--results-dir", str(results_dir), "--dry-run"])
    assert listed.exit_code == 0 and "would remove" in listed.output
    assert "partial run of tiny/test/zero-shot/echo-gold with 0 prediction(s)" in listed.output
    assert "which no longer runs" in listed.output and orphan.folder.exists()
    removed = runner.invoke(main, ["results", "clean", "--results-dir", str(results_dir)])
    assert removed.exit_code == 0 and not orphan.folder.exists()
    kept = sorted(p.name for p in results_dir.iterdir())
    assert kept == sorted([SEQUENCE_FILE, *(p.name for p in two_runs)])  # the run counter stays


def test_a_run_json_with_impossible_counts_is_skipped_not_fatal(two_runs, results_dir):
    bad, good = two_runs
    run = json.loads((bad / RUN_FILE).read_text())
    run["n_fallback"] = -1
    (bad / RUN_FILE).write_text(json.dumps(run))
    warnings = []
    assert [r.folder for r in iter_finished(results_dir, on_bad=warnings.append)] == [good]
    assert len(warnings) == 1 and "n_fallback must be a whole number" in warnings[0]
