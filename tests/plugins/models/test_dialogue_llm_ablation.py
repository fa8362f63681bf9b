"""The dialoguellm plugin's ablate command: variants, their run specs, the table; contributed by the commands hook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.types import RunResult, frozen_mapping
from plugins.models import dialogue_llm_ablation as training


def fake_checkpoint(folder: Path, window: str = "5", descriptions: str = "on", **more: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "prompt": {"name": "zero-shot", "options": {"window": window, "descriptions": descriptions, **more}},
        "tasks": [{"name": "meld", "options": {}}],
    }
    (folder / "dialoguellm.json").write_text(json.dumps(record))
    return folder


def test_variants_remove_one_part_each(tmp_path):
    checkpoint = fake_checkpoint(tmp_path / "full")
    variants = {v.name: v for v in training.ablation_variants(checkpoint)}
    assert list(variants) == ["full", "no-context", "no-descriptions", "no-lora"]
    full = training.variant_spec(variants["full"], "meld", "test", None, 0, {})
    assert full.model == f"dialoguellm:{checkpoint}" and dict(full.prompt_args) == {"window": "5", "descriptions": "on"}
    no_context = training.variant_spec(variants["no-context"], "meld", "test", 10, 0, {"mode": "generate"})
    assert dict(no_context.prompt_args)["window"] == "0"
    assert dict(no_context.model_args) == {"mode": "generate", "prompt.window": "0"}
    no_lora = training.variant_spec(variants["no-lora"], "meld", "test", None, 0, {})
    assert dict(no_lora.model_args) == {"adapter": "off"} and no_lora.prompt_args == full.prompt_args


def test_no_context_also_drops_later_turns_of_a_checkpoint_trained_with_them(tmp_path):
    checkpoint = fake_checkpoint(tmp_path / "full", future="2")
    variants = {v.name: v for v in training.ablation_variants(checkpoint)}
    no_context = training.variant_spec(variants["no-context"], "meld", "test", None, 0, {})
    assert (no_context.prompt_args["window"], no_context.prompt_args["future"]) == ("0", "0")
    assert dict(no_context.model_args) == {"prompt.window": "0", "prompt.future": "0"}
    full = training.variant_spec(variants["full"], "meld", "test", None, 0, {})
    assert full.prompt_args["future"] == "2"


def test_a_retrained_variant_uses_its_own_checkpoint_and_prompts(tmp_path):
    checkpoint = fake_checkpoint(tmp_path / "full")
    own = fake_checkpoint(tmp_path / "ctx0", window="0")
    variants = {v.name: v for v in training.ablation_variants(checkpoint, {"no-context": own})}
    spec = training.variant_spec(variants["no-context"], "meld", "test", None, 0, {})
    assert spec.model == f"dialoguellm:{own}" and dict(spec.model_args) == {}
    with pytest.raises(ConfigError, match="only no-context and no-descriptions"):
        training.ablation_variants(checkpoint, {"no-lora": own})


def test_ablate_runs_every_variant_on_every_task_and_tabulates(tmp_path):
    checkpoint = fake_checkpoint(tmp_path / "full")
    seen = []

    def fake_run(spec):
        seen.append(spec)
        f1 = {"": 0.6, "0": 0.5}.get(dict(spec.model_args).get("prompt.window", ""), 0.4)
        return RunResult("id", spec, frozen_mapping({"accuracy": f1, "weighted_f1": f1}), 3, 0, {}, {}, "", 0.0)

    rows = training.ablate(training.ablation_variants(checkpoint), ["meld", "iemocap"], fake_run, limit=3)
    assert len(seen) == 8 and all(spec.limit == 3 for spec in seen)
    table = training.ablation_table(rows)
    assert list(table.index) == ["full", "no-context", "no-descriptions", "no-lora"]
    assert table.loc["full", "meld"] == pytest.approx(60.0) and table.loc["no-context", "iemocap"] == pytest.approx(
        50.0
    )


def test_missing_checkpoint_record_is_clear(tmp_path):
    with pytest.raises(ConfigError, match="dialoguellm.json not found"):
        training.read_checkpoint(tmp_path)


def test_ablate_is_a_command_of_the_dialoguellm_plugin_not_of_the_core():
    from harness.cli import main
    from harness.discovery import default_commands

    command, origin = default_commands()["ablate"]
    assert origin.plugin == "dialoguellm" and command is training.ablate_command
    assert "ablate" not in main.commands  # not built in: found through the hook
    assert main.get_command(None, "ablate") is command


def test_ablate_prints_options_as_the_cli_spells_them_and_its_title_names_the_limit(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from harness.cli import main
    from harness.run import pipeline

    checkpoint = fake_checkpoint(tmp_path / "full")

    def fake_run(spec, context, **kwargs):
        scores = frozen_mapping({"accuracy": 0.5, "weighted_f1": 0.5})
        return RunResult("id", spec, scores, 3, 0, {}, {}, "", 0.0), tmp_path / "run"

    monkeypatch.setattr(pipeline, "run", fake_run)
    result = CliRunner().invoke(main, ["ablate", "--checkpoint", str(checkpoint), "--limit", "3",
                                       "--results-dir", str(tmp_path / "results")], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "{" not in result.output and "'" not in result.output  # no Python dicts or reprs
    assert f"dialoguellm:{checkpoint} adapter=off on meld:test: weighted F1 50.00" in result.output
    assert f"dialoguellm:{checkpoint} prompt.window=0 on meld:test" in result.output
    words = " ".join(result.output.split())  # the table may wrap its title
    assert "DialogueLLM ablations: weighted F1 (%), test, first 3 examples" in words
    fraction = CliRunner().invoke(main, ["ablate", "--checkpoint", str(checkpoint), "--limit", "0.5"])
    assert fraction.exit_code == 2 and "a number of examples, the first N" in fraction.output
