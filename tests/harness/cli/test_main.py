"""The click CLI through CliRunner: listing, running, comparing, leaderboard, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from harness.cli import main


@pytest.fixture
def runner():
    return CliRunner()


def test_plugins_lists_builtins_with_distribution(runner):
    result = runner.invoke(main, ["plugins"], terminal_width=200)
    assert result.exit_code == 0
    assert "meld" in result.output and "ercbench" in result.output and "0.1.0" in result.output


def test_list_models(runner):
    result = runner.invoke(main, ["list", "models"])
    assert result.exit_code == 0
    assert "majority" in result.output and "tfidf-lr" in result.output


def test_compare_defaults_run_on_the_embedded_sample(runner, results_dir):
    result = runner.invoke(main, ["compare", "--results-dir", str(results_dir)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "sample:test" in result.output and "tfidf-lr" in result.output
    runs = sorted(p for p in results_dir.iterdir() if not p.name.startswith("."))
    assert len(runs) == 2


def test_a_run_off_a_terminal_prints_its_result_line_and_nothing_else(runner, results_dir):
    result = runner.invoke(main, ["run", "-t", "sample", "-m", "majority", "--results-dir", str(results_dir)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.output.startswith("sample/zero-shot/majority: accuracy 20.00") and result.output.count("\n") == 1
    bad = runner.invoke(main, ["run", "-t", "sample", "-m", "majorty", "--results-dir", str(results_dir)])
    assert bad.exit_code == 1 and bad.output.startswith("Error: unknown model 'majorty'")


@pytest.mark.parametrize("command", [["leaderboard"], ["report", "--out", "{tmp}/page"]])
def test_nothing_to_show_tells_a_mistyped_folder_from_an_empty_one(runner, tmp_path, command):
    command = [part.format(tmp=tmp_path) for part in command]
    missing = runner.invoke(main, command + ["--results-dir", str(tmp_path / "reslts")])
    assert missing.exit_code == 1
    assert missing.output == f"Error: {tmp_path / 'reslts'}: no such folder; pass the --results-dir " \
                             "(or $ERCBENCH_RESULTS) your runs were written to\n"
    (tmp_path / "empty").mkdir()
    empty = runner.invoke(main, command + ["--results-dir", str(tmp_path / "empty")])
    assert empty.exit_code == 1
    assert empty.output == f"Error: no finished runs under {tmp_path / 'empty'}; " \
                           "`ercbench run` or `ercbench compare` writes them\n"


def test_the_reuse_notice_is_one_unwrapped_line_naming_the_run(runner, tmp_path):
    results = tmp_path / ("a-results-folder-with-a-long-name-" * 3)
    args = ["run", "-t", "sample", "-m", "majority", "--results-dir", str(results)]
    assert runner.invoke(main, args).exit_code == 0
    again = runner.invoke(main, args)
    (run,) = [path for path in results.iterdir() if not path.name.startswith(".")]
    (notice,) = again.stderr.splitlines()
    assert notice == f"reusing the finished run {run} (same spec and inputs; --force recomputes)"


def test_a_reader_that_leaves_early_is_not_reported_as_an_error(tmp_path):
    # as in `ercbench list tasks | head -1`: the pipe is closed before anything is written
    with subprocess.Popen([sys.executable, "-m", "harness.cli", "list", "tasks"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        child.stdout.close()
        stderr = child.stderr.read().decode()
        assert child.wait(timeout=60) != 0
    assert "Error" not in stderr and "Broken pipe" not in stderr and "Traceback" not in stderr


def test_compare_gives_each_option_to_the_plugins_that_take_it(runner, results_dir):
    args = ["compare", "-t", "sample", "-m", "majority", "-m", "tfidf-lr", "--model-opt", "C=3",
            "-p", "zero-shot", "-p", "k-shot", "--prompt-opt", "k=1", "--results-dir", str(results_dir)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    specs = sorted((run["spec"]["model"], run["spec"]["prompt"], run["spec"]["model_args"], run["spec"]["prompt_args"])
                   for run in (json.loads(path.read_text()) for path in results_dir.glob("*/run.json")))
    assert [(model, prompt, dict(margs), pargs.get("k")) for model, prompt, margs, pargs in specs] == [
        ("majority", "k-shot", {}, "1"), ("majority", "zero-shot", {}, None),
        ("tfidf-lr", "k-shot", {"C": "3"}, "1"), ("tfidf-lr", "zero-shot", {"C": "3"}, None)]


def test_compare_refuses_an_option_no_named_plugin_takes_before_running_any(runner, results_dir):
    typo = runner.invoke(main, ["compare", "-t", "sample", "-m", "majority", "-m", "tfidf-lr", "--model-opt", "CC=3",
                                "--results-dir", str(results_dir)])
    assert typo.exit_code == 1
    assert typo.output == ("Error: --model-opt CC: none of the models majority, tfidf-lr takes it; did you mean C? "
                           "(options: C, context)\n")
    late = runner.invoke(main, ["compare", "-t", "sample", "-m", "majority", "-m", "tfidf-lr:x",
                                "--results-dir", str(results_dir)])
    assert late.exit_code == 1 and "takes no target" in late.output
    assert not results_dir.exists() or not any(results_dir.iterdir())  # nothing ran


def test_leaderboard_csv_and_sort(runner, results_dir):
    runner.invoke(main, ["compare", "--results-dir", str(results_dir)])
    result = runner.invoke(
        main, ["leaderboard", "--results-dir", str(results_dir), "--format", "json", "--sort", "sample:test acc"]
    )
    rows = json.loads(result.output)
    assert [row["model"] for row in rows] == ["tfidf-lr", "majority"]
    bad = runner.invoke(main, ["leaderboard", "--results-dir", str(results_dir), "--sort", "nope"])
    assert bad.exit_code != 0 and "cannot sort by 'nope'" in bad.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "-t", "mled", "-m", "majority"], "did you mean meld"),
        (["run", "-t", "sample", "-m", "majorty"], "did you mean majority"),
        (["run", "-t", "sample", "-m", "majority", "--limit", "0"], "must be a positive number"),
        (["run", "-t", "sample", "-m", "majority", "--limit", "-1"], "must be a positive number"),
        (["run", "-t", "meld", "-m", "majority", "--data-dir", "/nonexistent"],
         "/nonexistent: data root does not exist"),
        (["run", "-t", "sample", "-m", "majority", "--task-opt", "novalue"], "expected KEY=VALUE"),
        (["run", "-t", "sample", "-m", "majority", "--prompt-opt", "windw=3"], "did you mean window?"),
        (["run", "-t", "sample", "-m", "tfidf-lr", "--model-opt", "C=0"], "option C must be > 0"),
        (["run", "-t", "sample", "-m", "majority:xyz"],
         "model 'majority' takes no target: use -m majority, not -m majority:xyz"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(runner, results_dir, args, message):
    result = runner.invoke(main, args + ["--results-dir", str(results_dir)])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_data_root_says_how_to_set_it(runner, results_dir, monkeypatch):
    monkeypatch.delenv("ERCBENCH_DATA", raising=False)
    result = runner.invoke(main, ["run", "-t", "meld", "-m", "majority", "--results-dir", str(results_dir)])
    assert result.exit_code == 1 and "ERCBENCH_DATA" in result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: no data root: pass --data-dir DIR")


def test_a_data_root_that_is_not_there_says_how_to_fix_it(runner, results_dir, tmp_path):
    result = runner.invoke(main, ["run", "-t", "meld", "-m", "majority", "--data-dir", str(tmp_path / "nope"),
                                  "--results-dir", str(results_dir)])
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: {tmp_path / 'nope'}: data root does not exist or is not a folder; "
                                     "pass an existing --data-dir DIR or set ERCBENCH_DATA")


@pytest.mark.parametrize("args", [["--help"], ["list", "models"], ["list", "tasks"], ["list", "models", "--options"]])
def test_help_and_list_do_not_import_torch(args):
    code = (
        "import sys; from harness.cli import main\n"
        "try:\n    main(%r)\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'transformers', 'sklearn', 'pandas') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    ) % (args,)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_a_missing_optional_library_names_the_extra(runner, results_dir, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError("No module named 'torch'", name="torch")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    result = runner.invoke(main, ["run", "-t", "sample", "-m", "hf:/tmp", "--results-dir", str(results_dir)])
    assert result.exit_code == 1
    assert "pip install 'ercbench[hf]'" in result.output and "Traceback" not in result.output


def test_list_options_shows_each_declared_option_with_type_default_and_help(runner):
    result = runner.invoke(main, ["list", "prompts", "--options"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    zero = lines.index(next(line for line in lines if line.startswith("zero-shot ")))
    window = next(line for line in lines[zero + 1:] if line.split()[0] == "window")
    assert "whole number or all" in window and "default 5" in window and "earlier turns" in window
    models = runner.invoke(main, ["list", "models", "--options"]).output
    assert any(line.split()[:2] == ["C", "number"] and "default 10" in line for line in models.splitlines())
    assert "text" not in runner.invoke(main, ["list", "models"]).output.split()  # no rows without --options


def test_list_options_columns_stay_aligned_with_long_choices(runner):
    lines = runner.invoke(main, ["list", "models", "--options"]).output.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("hf ")))
    rows = [line for line in lines[start + 1:] if line.startswith("    ")][:10]
    assert any("auto|float32|bfloat16|float16" in row for row in rows)
    assert len({row.index(" default ") for row in rows}) == 1


def test_plugins_lists_contributed_commands(runner):
    result = runner.invoke(main, ["plugins"], terminal_width=200)
    line = next(line for line in result.output.splitlines() if " ablate " in line)
    assert "command" in line and "dialoguellm" in line and "ercbench" in line


@pytest.mark.parametrize("args", [
    ["run", "-t", "sample", "-m", "majority", "--limt", "3"],
    ["rn"],
    ["--verbose"],
    ["data", "stats"],
    ["run", "-t", "sample", "-m", "majority", "--limit", "0"],
])
def test_usage_errors_are_one_line_naming_the_help(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: ") and "--help')" in line and "Usage:" not in result.output
