"""--shots expands one compare into zero-shot and k-shot runs, and results pivot by k."""

from __future__ import annotations

import math

import pytest

from harness.context import RunContext
from harness.discovery import default_registry
from harness.errors import ConfigError
from harness.interfaces import PromptStrategy, Shots
from harness.report.shots import pivot_shots, shot_rows
from harness.run.pipeline import run
from harness.run.sweeps import parse_shots, shot_specs, shots_of
from harness.schema import option
from harness.sdk.testing import registry_with
from harness.types import RunSpec, frozen_mapping


def test_parse_shots():
    assert parse_shots("0, 1,3,5") == [0, 1, 3, 5]
    for bad in ("", "1,,2", "-1", "a"):
        with pytest.raises(ConfigError, match=f"--shots takes comma-separated whole numbers.*got '{bad}'"):
            parse_shots(bad)
    with pytest.raises(ConfigError, match="--shots lists 1 twice"):
        parse_shots("1,1")


def test_shot_specs_use_zero_shot_for_k0_and_keep_options():
    base = RunSpec(task="meld", prompt="k-shot", model="majority",
                   prompt_args=frozen_mapping({"template": "dialoguellm", "selection": "retrieved", "k": "9"}))
    zero, three = shot_specs(base, [0, 3], default_registry())
    assert (zero.prompt, dict(zero.prompt_args)) == ("zero-shot", {"template": "dialoguellm"})
    assert (three.prompt, dict(three.prompt_args)) == ("k-shot", {"template": "dialoguellm", "selection": "retrieved",
                                                                  "k": "3"})
    assert [shots_of(s.to_dict(), default_registry()) for s in (zero, three)] == [0, 3]
    registry = registry_with([("prompts", Fixed), ("prompts", Numbered)])
    with pytest.raises(ConfigError, match=r"--shots sweeps prompts that show demonstrations "
                                          r"\(k-shot, numbered, zero-shot\), not 'fixed'"):
        shot_specs(RunSpec(task="meld", prompt="fixed", model="m"), [1], registry)


class Fixed(PromptStrategy):
    """A prompt that takes no part in sweeps."""

    name = "fixed"

    def build(self, examples):
        return []


class Numbered(Fixed):
    """A third-party prompt declaring its own sweep: option n is the number of demonstrations."""

    name = "numbered"

    class Options(PromptStrategy.Options):
        n: int = option(1, "demonstrations")

    @classmethod
    def with_shots(cls, k, options):
        return cls.name, {**options, "n": str(k)}

    @classmethod
    def shots(cls, options):
        return Shots(int(options.get("n", 1)), f"n={options.get('n', 1)}", {})


def test_any_prompt_can_declare_its_sweep():
    registry = registry_with([("prompts", Numbered)])
    specs = shot_specs(RunSpec(task="meld", prompt="numbered", model="m"), [0, 2], registry)
    assert [dict(s.prompt_args) for s in specs] == [{"n": "0"}, {"n": "2"}]
    assert [shots_of(s.to_dict(), registry) for s in specs] == [0, 2]
    assert shots_of({"prompt": "not-installed", "prompt_args": {}}, registry) is None


def test_sweep_runs_and_pivots(tmp_path):
    base = RunSpec(task="sample", prompt="zero-shot", model="majority", split="test", parser="lenient")
    balanced = RunSpec(task="sample", prompt="k-shot", model="majority", split="test", parser="lenient",
                       prompt_args=frozen_mapping({"k": "3", "selection": "balanced"}))
    for spec in shot_specs(base, [0, 1, 3], default_registry()) + [balanced]:
        run(spec, RunContext(default_registry()), results_dir=tmp_path)
    run(RunSpec(task="sample", prompt="zero-shot", model="tfidf-lr", split="test"), RunContext(default_registry()),
        results_dir=tmp_path)
    table = pivot_shots(shot_rows(tmp_path, default_registry()))
    assert [c for c, _ in table.columns][::2] == ["k=0", "k=1", "k=3", "k=3 balanced"]
    assert len(table) == 2  # majority/lenient and tfidf-lr/strict (only k=0)
    tfidf = table.loc[("sample:test", "tfidf-lr", "shots", "strict")]
    assert tfidf[("k=0", "weighted_f1")] >= 0 and math.isnan(tfidf[("k=1", "weighted_f1")])  # k=1 never run


def test_cli_compare_shots_and_leaderboard_with_reported(tmp_path):
    from click.testing import CliRunner

    from harness.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["compare", "-t", "sample", "-p", "zero-shot", "-p", "k-shot", "-m", "majority",
                                  "--shots", "0,1,3", "--parser", "lenient", "--results-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.count("sample/") == 3  # -p zero-shot and -p k-shot expand to the same three runs
    board = runner.invoke(main, ["leaderboard", "--results-dir", str(tmp_path), "--pivot", "shots",
                                 "--with-reported", "--format", "csv"])
    assert board.exit_code == 0, board.output
    header, *lines = board.stdout.strip().splitlines()
    assert header.startswith("task,model,prompt,parser,conditions,k=0 acc,k=0 wF1,k=1 acc")
    assert any(line.startswith('meld:test,DialogueLLM-7B,reported: DialogueLLM,reported,'
                               '"seeds=unknown, checkpoint=unknown'
                               ', context=past, invalid=random label (unseeded)",71.91') for line in lines)
    plain = runner.invoke(main, ["leaderboard", "--results-dir", str(tmp_path), "--with-reported", "--format", "csv"])
    assert plain.exit_code == 0, plain.output
    assert "InstructERC (LLaMA2-7B),reported: InstructERC,reported" in plain.output
    assert "majority,zero-shot" in plain.output
    bad = runner.invoke(main, ["compare", "-t", "sample", "-m", "majority", "--shots", "1,x",
                               "--results-dir", str(tmp_path)])
    assert bad.exit_code != 0 and "--shots takes" in bad.output
