"""`ercbench plan run|status|report` on the embedded sample: only what is missing runs, after a kill -9 too,
two processes at once duplicate nothing, and the report's figures are the leaderboard's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.context import RunContext
from harness.discovery import default_registry
from harness.report import leaderboard
from harness.report.plan import plan_tables
from harness.run.plan import load_plan

REPO = Path(__file__).resolve().parents[3]
SMOKE = REPO / "experiments" / "smoke.toml"
PLAN = """
[[group]]
name = "three-seeds"
tasks = ["sample"]
models = ["majority"]
seeds = [0, 1, 2]

[[group]]
name = "lenient"
tasks = ["sample"]
models = ["majority"]
seeds = [0]
parser = "lenient"
"""


def folders(results: Path) -> list[Path]:
    return sorted(p for p in results.iterdir() if not p.name.startswith(".")) if results.is_dir() else []


def specs_run(results: Path) -> Counter:
    return Counter(json.dumps(json.loads((f / "run.json").read_text())["spec"], sort_keys=True)
                   for f in folders(results))


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), terminal_width=200)


def test_the_smoke_plan_runs_reports_the_leaderboards_figures_and_then_has_nothing_to_do(results_dir):
    assert invoke("plan", "check", str(SMOKE)).output.endswith("ok\n")
    status = invoke("plan", "status", str(SMOKE), "--results-dir", str(results_dir))
    assert status.exit_code == 0 and status.output.splitlines()[-1] == "4 missing"
    assert invoke("plan", "run", str(SMOKE), "--results-dir", str(results_dir)).exit_code == 0
    assert len(folders(results_dir)) == 4
    status = invoke("plan", "status", str(SMOKE), "--results-dir", str(results_dir))
    assert status.output.splitlines()[-1] == "4 done"
    [table] = plan_tables(load_plan(SMOKE, RunContext(default_registry())), results_dir, default_registry())
    board = leaderboard.task_table(results_dir, ci=True)
    mine = table.table[("sample:test", "weighted_f1")]
    theirs = board[("sample:test", "weighted_f1")].droplevel(["prompt", "parser"])
    assert mine.to_dict() == theirs.to_dict() and len(mine) == 4
    for low in ("weighted_f1_lo", "weighted_f1_hi"):
        assert table.table[("sample:test", low)].to_dict() == board[("sample:test", low)].droplevel(
            ["prompt", "parser"]).to_dict()
    report = invoke("plan", "report", str(SMOKE), "--results-dir", str(results_dir), "--format", "markdown")
    shown = invoke("leaderboard", "--results-dir", str(results_dir), "--format", "markdown", "--ci")
    assert report.exit_code == 0 and "(mean ± sd across seeds)" in report.output
    for row in shown.output.splitlines()[2:]:  # each run's wF1 with its CI, as the leaderboard prints it
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert f"| {cells[0]} | {cells[3]} | {cells[5]} |" in report.output, (row, report.output)
    before = {f.name for f in folders(results_dir)}
    again = invoke("plan", "run", str(SMOKE), "--results-dir", str(results_dir))
    assert again.exit_code == 0 and {f.name for f in folders(results_dir)} == before


def test_a_group_that_only_changes_the_parser_rescores_without_the_model(tmp_path, results_dir):
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    result = invoke("plan", "run", str(plan), "--results-dir", str(results_dir))
    assert result.exit_code == 0, result.output
    assert "sample/zero-shot/majority: rescored" in result.output
    lenient = [json.loads((f / "run.json").read_text()) for f in folders(results_dir)]
    assert [run.get("rescored_from") is not None for run in lenient].count(True) == 1


def hanging_plan_run(plan: Path, results: Path) -> subprocess.Popen:
    """`plan run` in a real process whose model hangs on its second spec (after saying so)."""
    script = textwrap.dedent(f"""
        import sys, time
        from harness.discovery import default_registry
        from harness.cli import main
        model = default_registry().get("models", "majority").cls
        original, calls = model.predict, []
        def predict(self, prompts):
            calls.append(1)
            if len(calls) == 2:
                print("hanging", flush=True)
                time.sleep(120)
            return original(self, prompts)
        model.predict = predict
        main(["plan", "run", {str(plan)!r}, "--results-dir", {str(results)!r}], prog_name="ercbench")
    """)
    return subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_after_kill_9_a_plan_run_computes_only_what_is_missing(tmp_path, results_dir, monkeypatch):
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN.split("[[group]]\nname = \"lenient\"")[0], encoding="utf-8")
    proc = hanging_plan_run(plan, results_dir)
    try:
        lines = iter(proc.stdout.readline, "")  # the first spec's result line, then the hang
        assert any(line.startswith("hanging") for line in lines)
        status = invoke("plan", "status", str(plan), "--results-dir", str(results_dir)).output.splitlines()
        assert status[-1] == "1 done, 1 running, 1 missing", status
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    first = folders(results_dir)
    status = invoke("plan", "status", str(plan), "--results-dir", str(results_dir)).output.splitlines()
    assert status[-1] == "1 done, 1 interrupted, 1 missing", status
    model = default_registry().get("models", "majority").cls
    calls = []
    original = model.predict
    monkeypatch.setattr(model, "predict", lambda self, prompts: calls.append(1) or original(self, prompts))
    result = invoke("plan", "run", str(plan), "--results-dir", str(results_dir))
    assert result.exit_code == 0, result.output
    assert len(calls) == 2  # the finished spec was reused
    assert set(first) < set(folders(results_dir)) and len(folders(results_dir)) == 3
    assert set(specs_run(results_dir).values()) == {1}


@pytest.mark.slow
def test_two_plan_runs_at_once_run_each_spec_once(tmp_path, results_dir):
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    command = [sys.executable, "-m", "harness.cli", "plan", "run", str(plan), "--results-dir", str(results_dir)]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)}) for _ in range(2)]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    counts = specs_run(results_dir)
    assert len(counts) == 4 and set(counts.values()) == {1}, counts


def test_report_formats_and_published_rows_beside_the_runs(tmp_path, results_dir):
    plan = tmp_path / "plan.toml"
    plan.write_text('[[group]]\nname = "g"\ntasks = ["sample", "meld"]\nmodels = ["majority"]\nlimit = 5\n'
                    '[[table]]\ntitle = "With <published> rows"\npublished = ["InstructERC"]\n', encoding="utf-8")
    assert invoke("plan", "run", str(plan), "--results-dir", str(results_dir)).exit_code == 0
    markdown = invoke("plan", "report", str(plan), "--results-dir", str(results_dir), "--format", "markdown").output
    assert "### With <published> rows" in markdown and "reported: InstructERC" in markdown
    assert "meld:test (first 5)" in markdown and "reported: DialogueLLM" not in markdown
    page = invoke("plan", "report", str(plan), "--results-dir", str(results_dir), "--format", "html").output
    assert page.startswith("<!DOCTYPE html>") and "<h2>With &lt;published&gt; rows</h2>" in page
    latex = invoke("plan", "report", str(plan), "--results-dir", str(results_dir), "--format", "latex").output
    assert r"\begin{tabular}" in latex and "InstructERC" in latex


def test_status_shows_a_damaged_run(tmp_path, results_dir):
    plan = tmp_path / "plan.toml"
    plan.write_text('[[group]]\ntasks = ["sample"]\nmodels = ["majority"]\n', encoding="utf-8")
    assert invoke("plan", "run", str(plan), "--results-dir", str(results_dir)).exit_code == 0
    [folder] = folders(results_dir)
    lines = (folder / "predictions.jsonl").read_text().splitlines(keepends=True)
    (folder / "predictions.jsonl").write_text("".join(lines[:-1]))
    status = invoke("plan", "status", str(plan), "--results-dir", str(results_dir)).output.splitlines()
    assert status[0].startswith("damaged") and folder.name in status[0] and "results check" in status[0]
