"""`ercbench train` and `ercbench ablate` from the command line, on a tiny model and real MELD."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from harness import discovery
from harness.cli import main
from harness.cli.train import trainer_options
from harness.interfaces import CliFlag, Trainer
from harness.schema import option
from harness.sdk.testing import registry_with
from tests.conftest import real_data_root
from tests.plugins.training.lora_fixtures import tiny_base, trained_checkpoint


def test_named_options_become_prompt_options():
    lora = {flag.flag: flag for flag in discovery.default_registry().get("trainers", "lora").cls.cli_flags}
    flags = {lora["--template"]: "dialoguellm", lora["--context"]: "12", lora["--descriptions"]: "on",
             lora["--loss-on-prompt"]: True}
    options = trainer_options("B", "zero-shot", flags, False, False, ("speakers=off", "window=3"), ("r=4",))
    assert options["prompt.template"] == "dialoguellm" and options["prompt.window"] == "12"
    assert options["prompt.descriptions"] == "on" and options["prompt.speakers"] == "off"
    assert options["r"] == "4" and options["loss_on_prompt"] == "on" and options["resume"] == "off"
    assert "loss_on_prompt" not in trainer_options("B", "zero-shot", {}, False, False, (), ())  # its default


@pytest.fixture
def trained(monkeypatch):
    """What `ercbench train` hands the trainer, without training."""
    from harness.run import training

    seen = {}

    def fake_train(trainer, tasks, out_dir, context, *, options=None, task_options=None):
        seen.update(trainer=trainer, options=options)
        return {"n_train": 8, "global_steps": 1, "selection": {}}

    monkeypatch.setattr(training, "train", fake_train)
    return seen


class Counting(Trainer):
    """A trainer declaring no flags of its own."""

    name = "counting"

    class Options(Trainer.Options):
        base: str = option("", "base model")
        prompt: str = option("", "prompt strategy")
        resume: bool = option(False, "continue")
        overwrite: bool = option(False, "replace")

    def train(self, tasks, out_dir, context):
        return {}


class Clashing(Counting):
    name = "clashing"
    cli_flags = (CliFlag("--context", "turns", "Earlier turns."),)


def test_declared_flags_reach_the_trainers_options(trained, tmp_path):
    args = ["train", "-t", "meld", "--base", "b", "--out", str(tmp_path / "out"), "--context", "3"]
    assert CliRunner().invoke(main, args + ["--loss-on-prompt"]).exit_code == 0
    assert trained["options"]["prompt.window"] == "3" and trained["options"]["loss_on_prompt"] == "on"
    assert CliRunner().invoke(main, args).exit_code == 0
    assert "loss_on_prompt" not in trained["options"]  # absent: the trainer's default (off), as before


def test_a_flag_the_chosen_trainer_does_not_declare_is_refused(trained, tmp_path, monkeypatch):
    registry = registry_with([("trainers", Counting)])
    monkeypatch.setattr(discovery, "default_registry", lambda: registry)
    args = ["train", "-t", "meld", "--base", "b", "--out", str(tmp_path / "out"), "--trainer", "counting"]
    refused = CliRunner().invoke(main, args + ["--context", "3"])
    assert refused.exit_code == 1 and not trained
    assert refused.output == ("Error: --context: trainer 'counting' does not take it (declared by lora); "
                              "use --train-opt K=V\n")
    assert CliRunner().invoke(main, args).exit_code == 0 and trained["trainer"] == "counting"


def test_one_flag_for_two_options_names_both_trainers(tmp_path, monkeypatch):
    registry = registry_with([("trainers", Clashing)])
    monkeypatch.setattr(discovery, "default_registry", lambda: registry)
    result = CliRunner().invoke(main, ["train", "--help"])
    assert result.exit_code == 1
    assert result.output == ("Error: trainers 'clashing' and 'lora' both declare --context, for different options "
                             "(turns and prompt.window)\n")


@pytest.mark.slow
def test_train_writes_a_checkpoint(tmp_path_factory):
    root = tmp_path_factory.getbasetemp()
    out = root / "cli-trained"
    args = [
        "train",
        "-t",
        "meld",
        "--base",
        str(tiny_base(root)),
        "--out",
        str(out),
        "--context",
        "0",
        "--loss-on-prompt",
        "--data-dir",
        str(real_data_root()),
    ]
    for pair in ("train_limit=8", "dev_limit=4", "epochs=1", "batch_size=4", "max_length=64", "warmup_steps=0"):
        args += ["--train-opt", pair]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    record = json.loads((out / "dialoguellm.json").read_text())
    assert record["settings"]["loss_on_prompt"] is True and record["prompt"]["options"]["window"] == "0"
    again = CliRunner().invoke(main, args[:-2] + ["--train-opt", "r=4", "--data-dir", str(real_data_root())])
    assert again.exit_code == 1 and "holds a different run" in again.output and "Traceback" not in again.output


def test_bad_base_is_one_line(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "train",
            "-t",
            "meld",
            "--base",
            str(tmp_path / "nope"),
            "--out",
            str(tmp_path / "out"),
            "--data-dir",
            str(real_data_root()),
        ],
    )
    assert result.exit_code == 1 and "does not exist" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_ablate_prints_one_table_of_four_variants(tmp_path_factory, tmp_path):
    checkpoint = trained_checkpoint(tmp_path_factory.getbasetemp())
    result = CliRunner().invoke(
        main,
        [
            "ablate",
            "--checkpoint",
            str(checkpoint),
            "--split",
            "dev",
            "--limit",
            "3",
            "--data-dir",
            str(real_data_root()),
            "--results-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    for variant in ("full", "no-context", "no-descriptions", "no-lora"):
        assert variant in result.output
    assert len([p for p in tmp_path.iterdir() if (p / "run.json").is_file()]) == 4


def test_limit_is_the_trainers_train_limit(tmp_path, monkeypatch):
    from harness.run import training

    seen = {}

    def fake_train(trainer, tasks, out_dir, context, *, options=None, task_options=None):
        seen.update(options)
        return {"n_train": 8, "global_steps": 1, "selection": {}}

    monkeypatch.setattr(training, "train", fake_train)
    args = ["train", "-t", "meld", "--base", "b", "--out", str(tmp_path / "out"), "--limit", "8"]
    assert CliRunner().invoke(main, args).exit_code == 0 and seen["train_limit"] == "8"
    twice = CliRunner().invoke(main, args + ["--train-opt", "train_limit=4"])
    assert twice.exit_code == 1 and "--limit and --train-opt train_limit=... say the same thing" in twice.output
    assert "--limit" in CliRunner().invoke(main, ["train", "--help"]).output


# `ercbench train --help` as it reads (its option lines pinned: the trainer declares some of them).
TRAIN_HELP_OPTIONS = """\
  -t, --task TEXT          Training task (repeatable).  [required]
  --base TEXT              Base model folder (or hub id when online).
                           [required]
  --out PATH               Checkpoint folder.  [required]
  -p, --prompt TEXT        Prompt strategy (as in `run`; default: the one marked
                           default).
  --template TEXT          Prompt template, e.g. dialoguellm.
  --context TEXT           Context window: a number of earlier turns, or 'all'.
  --descriptions [on|off]  Show utterance descriptions.
  --loss-on-prompt         Whole-sequence loss (the paper's), not answer-only.
  --resume                 Continue from the last good checkpoint in --out.
  --overwrite              Replace a different run already in --out.
  --trainer TEXT           Trainer (default: the one marked default, see
                           `ercbench list trainers`).
  --train-opt K=V          Trainer option, e.g. r=16 epochs=1 quantization=8bit
                           precision=bf16 selection=f1 (`ercbench list trainers
                           --options`).
  --limit INTEGER          Only the first N train examples of each task (the
                           trainer's train_limit).
  --prompt-opt K=V         Prompt option.
  --task-opt K=V           Task option (every task).
  --data-dir PATH          Data root (default: $ERCBENCH_DATA).
  --help                   Show this message and exit.
"""


def test_train_help_lists_the_same_options():
    result = CliRunner().invoke(main, ["train", "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.split("Options:\n", 1)[1] == TRAIN_HELP_OPTIONS


def test_the_commands_own_flags_set_the_options_the_trainer_base_declares(monkeypatch):
    renamed = tuple(CliFlag(f.flag, f"my_{f.option}", f.help, f.choices, f.switch) for f in Trainer.command_flags)
    monkeypatch.setattr(Trainer, "command_flags", renamed)
    options = trainer_options("B", "zero-shot", {}, True, False, ("window=3",), ("r=4",))
    assert options == {"my_base": "B", "my_prompt": "zero-shot", "my_prompt.window": "3", "r": "4",
                       "my_resume": "on", "my_overwrite": "off"}


def test_every_installed_trainer_takes_the_commands_own_options():
    registry = discovery.default_registry()
    for name in registry.names("trainers"):
        declared = registry.get("trainers", name).cls.Options.names()
        for flag in Trainer.command_flags:
            assert (flag.option + "<key>" if flag.option.endswith(".") else flag.option) in declared, (name, flag)
