"""LoRA training on real MELD with a tiny LLaMA: it learns, records everything, resumes exactly, refuses bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from harness.context import RunContext
from harness.errors import ConfigError
from harness.registry import Registry
from tests.plugins.training.lora_fixtures import make_trainer, meld, run_context, tiny_base, trained_checkpoint


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tmp_path_factory.getbasetemp()


# Training runs are slow-marked; the fast suite keeps one (tests/plugins/training/test_lora_model.py's disk-full run).
@pytest.fixture(scope="module")
def checkpoint(root) -> Path:
    return trained_checkpoint(root)


@pytest.mark.slow
def test_training_lowers_the_loss(checkpoint):
    with open(checkpoint / "training_log.csv", encoding="utf-8") as handle:
        losses = [float(row["loss"]) for row in csv.DictReader(handle) if row["loss"]]
    assert len(losses) == 12  # 32 examples / batch 8 x 3 epochs, logged every step
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3


@pytest.mark.slow
def test_the_trainer_reads_the_loss_curve_of_its_folder(checkpoint):
    from harness.discovery import default_registry
    from plugins.training.lora import LoraTrainer

    curve = LoraTrainer.loss_curve(checkpoint)
    assert len(curve.train) == 12 and [step for step, _ in curve.train] == sorted(step for step, _ in curve.train)
    assert len(curve.dev) == 3 and curve.dev_metric is None  # selected on loss: no dev F1 logged
    assert curve.title == checkpoint.name
    assert default_registry().get("trainers", "lora").cls.loss_curve(checkpoint) == curve


@pytest.mark.slow
def test_trained_adapter_scores_the_training_labels_better_than_the_base(checkpoint):
    from harness.discovery import default_registry
    from plugins.training.lora_data import build_records, make_strategy
    from plugins.training.lora_model import load_tokenizer
    from plugins.training.lora_run import choice_logprobs

    record = json.loads((checkpoint / "dialoguellm.json").read_text())
    model_cls = default_registry().get("models", "dialoguellm").cls
    task = meld()
    tokenizer = load_tokenizer(record["base"])
    strategy = make_strategy("zero-shot", {"window": "0"}, RunContext(default_registry()))
    records = build_records(strategy, task.examples("train")[:16], tokenizer)

    def mean_gold_logprob(adapter: str) -> float:
        model = model_cls(target=str(checkpoint), adapter=adapter)
        model.prepare(task, RunContext(Registry(), seed=0))
        return sum(choice_logprobs(model.hf.model, tokenizer, r, 96)[r.answer] for r in records) / len(records)

    assert mean_gold_logprob("on") > mean_gold_logprob("off") + 0.1


@pytest.mark.slow
def test_checkpoint_folder_holds_adapter_record_log_and_curve(checkpoint):
    for name in (
        "adapter_model.safetensors",
        "adapter_config.json",
        "dialoguellm.json",
        "training_log.csv",
        "loss_curve.png",
    ):
        assert (checkpoint / name).is_file(), name
    record = json.loads((checkpoint / "dialoguellm.json").read_text())
    assert record["settings"]["r"] == 8 and record["settings"]["alpha"] == 64
    assert (
        record["prompt"] == {"name": "zero-shot", "options": {"window": "0", "speakers": "on", "descriptions": "off"}}
        or record["prompt"]["options"]["window"] == "0"
    )
    assert any(path.endswith("train_sent_emo.csv") for path in record["data_sha256"])
    assert all(len(digest) == 64 for digest in record["data_sha256"].values())
    assert [epoch["epoch"] for epoch in record["epochs"]] == [1, 2, 3]
    assert all("dev_loss" in epoch and epoch["train_loss"] for epoch in record["epochs"])
    assert record["seed"] == 7 and "transformers" in record["libraries"] and "peft" in record["libraries"]
    assert record["selection"]["metric"] == "loss" and record["selection"]["best_checkpoint"]


class StopAfterFirstSave:
    """Simulates a crash right after the first checkpoint is written."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None

    def on_save(self, args, state, control, **kwargs):
        raise KeyboardInterrupt


def adapter_tensors(folder: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(folder / "adapter_model.safetensors"))


@pytest.mark.slow
def test_resuming_gives_the_same_final_weights_as_an_uninterrupted_run(root, checkpoint):
    import torch

    out = root / "interrupted"
    first = make_trainer(tiny_base(root))
    first.callbacks.append(StopAfterFirstSave())
    with pytest.raises(KeyboardInterrupt):
        first.train([meld()], out, run_context())
    assert (out / "checkpoint-4" / "trainer_state.json").is_file() and not (out / "checkpoint-8").exists()
    with pytest.raises(ConfigError, match="already holds this run"):
        make_trainer(tiny_base(root)).train([meld()], out, run_context())
    record = make_trainer(tiny_base(root), resume="on").train([meld()], out, run_context())
    assert record["resumed_from"].endswith("checkpoint-4")
    for folder in ("checkpoint-12", "."):
        resumed, straight = adapter_tensors(out / folder), adapter_tensors(checkpoint / folder)
        assert resumed.keys() == straight.keys()
        assert all(torch.equal(resumed[key], straight[key]) for key in straight), folder


@pytest.mark.slow
def test_f1_model_selection_uses_dev_and_records_it(root):
    out = root / "by-f1"
    record = make_trainer(tiny_base(root), selection="f1", epochs="1").train([meld()], out, run_context())
    assert record["selection"]["metric"] == "f1"
    assert 0 <= record["epochs"][0]["dev_weighted_f1"] <= 1
    assert record["n_dev"] == 8


@pytest.mark.slow
def test_a_folder_holding_a_different_run_is_refused_unless_overwrite(root, checkpoint):
    with pytest.raises(ConfigError, match="holds a different run"):
        make_trainer(tiny_base(root), r="4", resume="on").train([meld()], checkpoint, run_context())
    stranger = root / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        make_trainer(tiny_base(root)).train([meld()], stranger, run_context())


def test_missing_base_and_unknown_target_module_are_clear_errors(root):
    with pytest.raises(ConfigError, match="does not exist"):
        make_trainer(root / "no-such-model").train([meld()], root / "x", run_context())
    with pytest.raises(ConfigError, match=r"no module\(s\) c_attn; its linear modules are: .*q_proj.*v_proj"):
        make_trainer(tiny_base(root), target_modules="c_attn").train([meld()], root / "y", run_context())
