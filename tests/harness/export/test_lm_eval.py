"""`ercbench export lm-eval`: the exported task, run by lm-eval offline, scores what our own run scores."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from harness import metrics
from harness.cli import main
from harness.context import RunContext
from harness.discovery import default_registry
from harness.errors import ConfigError
from harness.export.lm_eval import export_lm_eval, prompt_row
from harness.export.lm_eval_utils import macro_f1, process_results, weighted_f1
from harness.run.pipeline import run
from harness.types import Prompt, RunSpec, frozen_mapping

LIMIT = 24


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from tests.tinymodels import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("export") / "model", add_bos=True, seed=3)


def run_lm_eval(folder, task_name, model_path):
    import lm_eval
    from lm_eval.tasks import TaskManager

    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    manager = TaskManager(include_path=str(folder), include_defaults=False)
    output = lm_eval.simple_evaluate(
        model="hf", model_args=f"pretrained={model_path},dtype=float32", tasks=[task_name],
        task_manager=manager, device="cpu", batch_size=8,
    )
    return output["results"][task_name]


@pytest.mark.slow
def test_exported_task_under_lm_eval_scores_like_our_run(tiny_model, data_root, tmp_path):
    exported = export_lm_eval("meld", "zero-shot", tmp_path / "lm_eval_task",
                              RunContext(default_registry(), data_dir=data_root), limit=LIMIT)
    assert exported.n == LIMIT and (exported.yaml_path.parent / "utils.py").is_file()
    theirs = run_lm_eval(exported.yaml_path.parent, exported.task_name, tiny_model)
    spec = RunSpec(task="meld", prompt="zero-shot", model=f"hf:{tiny_model}", limit=LIMIT,
                   model_args=frozen_mapping({"mode": "score"}))
    ours, _ = run(spec, RunContext(default_registry(), data_dir=data_root), results_dir=tmp_path / "results")
    assert theirs["acc,none"] == pytest.approx(ours.scores["accuracy"], abs=1e-12)
    assert theirs["weighted_f1,none"] == pytest.approx(ours.scores["weighted_f1"], abs=1e-9)
    assert theirs["macro_f1,none"] == pytest.approx(ours.scores["macro_f1"], abs=1e-9)


def test_jsonl_holds_our_exact_prompts(data_root, tmp_path):
    from plugins.datasets.meld import Meld
    from plugins.prompts.zero_shot import ZeroShot

    exported = export_lm_eval("meld", "zero-shot", tmp_path, RunContext(default_registry(), data_dir=data_root),
                              limit=5, prompt_args={"window": "3"})
    rows = [json.loads(line) for line in exported.data_path.read_text(encoding="utf-8").splitlines()]
    prompts = ZeroShot(window="3").build(Meld(data_root).examples("test")[:5])
    assert [row["text"] for row in rows] == [p.text for p in prompts]
    assert all(row["choices"][row["gold"]] and row["choice_labels"][row["gold"]] == row["gold_label"] for row in rows)
    assert "target_delimiter: \"\"" in exported.yaml_path.read_text()


def test_utils_f1_equals_harness_metrics():
    labels = ("a", "b", "c")
    gold = ["a", "a", "b", "c", "c", "c"]
    predicted = ["a", "b", "b", "c", "a", "a"]
    items = [(g, p, labels) for g, p in zip(gold, predicted)]
    assert weighted_f1(items) == pytest.approx(metrics.weighted_f1(gold, predicted, labels))
    assert macro_f1(items) == pytest.approx(metrics.macro_f1(gold, predicted, labels))
    doc = {"choice_labels": ["a", "b"], "gold_label": "b", "labels": ["a", "b"]}
    assert process_results(doc, [(-2.0, False), (-1.0, True)])["acc"] == 1.0


def test_chat_prompts_and_missing_gold_are_refused(data_root):
    from plugins.datasets.meld import Meld

    example = Meld(data_root).examples("test")[0]
    chat = Prompt(example, ("joy",), frozen_mapping({"joy": example.gold}), messages=(("user", "hi"),))
    with pytest.raises(ConfigError, match="chat prompt"):
        prompt_row(chat)
    no_gold = Prompt(example, ("x",), frozen_mapping({"x": "not-a-label"}), text="hi")
    with pytest.raises(ConfigError, match="gold label"):
        prompt_row(no_gold)


def test_cli_export_writes_the_folder(data_root, tmp_path):
    out = tmp_path / "exported"
    result = CliRunner().invoke(main, ["export", "lm-eval", "meld", "--out", str(out), "--limit", "7",
                                       "--data-dir", str(data_root)])
    assert result.exit_code == 0, result.output
    assert "wrote 7 examples" in result.output
    assert sorted(p.suffix for p in out.iterdir()) == [".jsonl", ".py", ".yaml"]
    bad = CliRunner().invoke(main, ["export", "lm-eval", "meld", "--out", str(out), "--split", "nope",
                                    "--data-dir", str(data_root)])
    assert bad.exit_code == 1 and "has no split" in bad.output
