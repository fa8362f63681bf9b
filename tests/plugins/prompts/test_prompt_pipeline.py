"""k-shot prompts and the dialoguellm parser through the real pipeline: fallbacks land in predictions.jsonl."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.context import RunContext
from harness.discovery import default_registry
from harness.interfaces import Model
from harness.registry import Origin, Registry
from harness.results.store import read_predictions
from harness.run.pipeline import run
from harness.types import Completion, RunSpec


class Echo(Model):
    """Answers 'no idea' for odd example positions and the gold label's spelling otherwise."""

    name = "echo"

    def predict(self, prompts):
        answers = []
        for position, prompt in enumerate(prompts):
            text = "no idea" if position % 2 else f"I think {prompt.example.gold}."
            answers.append(Completion(prompt.example.example_id, text=text))
        return answers


def registry_with_echo() -> Registry:
    registry = Registry()
    for entry in default_registry().all():
        registry.add(entry.kind, entry.cls, entry.origin)
    registry.add("models", Echo, Origin("tests", "tests", "0"))
    return registry


@pytest.mark.parametrize("template", ["plain", "dialoguellm", "instructerc", "chat"])
def test_k_shot_dialoguellm_parser_run_records_fallbacks(tmp_path, template):
    spec = RunSpec(
        task="sample", prompt="k-shot", model="echo", split="test", seed=7, parser="dialoguellm",
        prompt_args={"k": "2", "selection": "balanced", "template": template},
    )
    result, folder = run(spec, RunContext(registry_with_echo()), results_dir=tmp_path, batch_size=4)
    rows = read_predictions(Path(folder))
    fallbacks = [row for row in rows if row.fallback]
    assert result.n == len(rows) > 0 and result.n_unparsed == 0
    assert {row.raw for row in fallbacks} == {"no idea"}
    assert result.n_fallback == len(fallbacks) > 0
    assert all(row.predicted == row.gold for row in rows if not row.fallback)
    assert result.prompt_info["demonstrations"][0].startswith("train/")
    again, _ = run(spec, RunContext(registry_with_echo()), results_dir=tmp_path / "again", batch_size=4)
    assert again.scores["accuracy"] == result.scores["accuracy"]


def test_classical_baseline_reads_k_shot_prompts(tmp_path):
    spec = RunSpec(task="sample", prompt="k-shot", model="majority", split="test", prompt_args={"k": "3"},
                   parser="lenient")
    result, folder = run(spec, RunContext(default_registry()), results_dir=tmp_path)
    predictions = read_predictions(folder)
    # majority answers sample's most frequent train label in every k-shot prompt, and it is read back.
    assert result.n == len(predictions) > 0 and result.n_unparsed == 0
    assert {p.predicted for p in predictions} == {result.model_info["label"]}
