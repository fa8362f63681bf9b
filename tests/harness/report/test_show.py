"""`ercbench show` prints the exact prompt of a run's examples (rebuilt from its spec), the answer and label;
the leaderboard filters by task, model, prompt and any spec key."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.context import RunContext
from harness.discovery import default_registry
from harness.registry import Registry
from harness.report import show
from harness.run import pipeline
from harness.types import Prediction, RunSpec


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("show")
    for spec in (RunSpec(task="sample", prompt="k-shot", model="tfidf-lr", prompt_args={"k": "2"}, seed=3),
                 RunSpec(task="sample", prompt="zero-shot", model="majority", limit=10)):
        pipeline.run(spec, RunContext(default_registry()), results_dir=root)
    return root


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def run_folder(results, prompt):
    return next(p for p in results.iterdir() if f"-{prompt}-" in p.name)


def test_show_prints_the_prompt_the_run_built(results):
    folder = run_folder(results, "k-shot")
    rows = [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]
    wanted = rows[4]
    result = invoke("show", folder.name, "--results-dir", str(results), "--example", wanted["id"])
    assert result.exit_code == 0, result.output
    # The same prompt code, task data and seed as the run: today's build equals what the model got.
    registry = default_registry()
    task = registry.get("tasks", "sample").cls(None)
    strategy = registry.get("prompts", "k-shot").cls(k="2")
    strategy.prepare(task, RunContext(Registry(), seed=3))
    example = next(e for e in task.examples("test") if e.example_id == wanted["id"])
    expected = strategy.build([example])[0].text
    assert all(f"  {line}" in result.output.splitlines() for line in expected.splitlines())
    assert f"raw answer: {json.dumps(wanted['raw'])}" in result.output
    assert f"gold {wanted['gold']}, predicted {wanted['predicted']}" in result.output
    assert "seed=3" in result.output and "1 of 25 predictions match" in result.output
    assert "note:" not in result.output  # data and prompt settings are what run.json recorded


def test_show_wrong_and_where_pick_predictions(results):
    folder = run_folder(results, "k-shot")
    rows = [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]
    wrong = [r for r in rows if r["predicted"] != r["gold"]]
    result = invoke("show", str(folder), "--wrong", "--first", "100")
    assert result.exit_code == 0, result.output
    assert result.output.count("── ") == len(wrong) and "(right)" not in result.output
    gold = rows[0]["gold"]
    result = invoke("show", str(folder), "--where", f"gold={gold}", "--first", "100")
    assert result.output.count("── ") == sum(r["gold"] == gold for r in rows)
    result = invoke("show", str(folder), "--where", "colour=red")
    assert result.exit_code == 1 and "no field 'colour'" in result.output
    result = invoke("show", str(folder), "--example", "nope")
    assert result.exit_code == 1 and "no such example" in result.output and "Traceback" not in result.output


def test_show_prints_log_probs_best_first():
    row = Prediction("test/d/0", "joy", "joy", "joy", logprobs={"anger": -2.5, "joy": -0.1, "fear": -4.0})
    lines = show.example_lines(row, None)
    assert "log-probs: joy -0.100, anger -2.500, fear -4.000" in lines


def leaderboard(results, *args):
    result = invoke("leaderboard", "--results-dir", str(results), "--format", "csv", *args)
    return result, result.stdout.splitlines()[1:]


def test_leaderboard_filters(results):
    _, rows = leaderboard(results)
    assert len(rows) == 2
    for args, model in ((["--model", "majority"], "majority"), (["--prompt", "k-shot"], "tfidf-lr"),
                        (["--where", "seed=3"], "tfidf-lr"), (["--where", "k=2"], "tfidf-lr"),
                        (["--where", "limit=10", "--where", "shots=0"], "majority"),
                        (["--task", "sample", "--where", "split=test", "--model", "tfidf-lr"], "tfidf-lr")):
        result, rows = leaderboard(results, *args)
        assert result.exit_code == 0, result.output
        assert [row.split(",")[0] for row in rows] == [model], args
    result, _ = leaderboard(results, "--task", "meld")
    assert result.exit_code == 1 and "matches the filters" in result.output
    result, _ = leaderboard(results, "--where", "colour=red")
    assert result.exit_code == 1 and "no run has 'colour'" in result.output
    result, _ = leaderboard(results, "--where", "seed")
    assert result.exit_code == 2 and "write K=V" in result.output
