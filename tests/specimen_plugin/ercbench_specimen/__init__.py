"""A third-party plugin in the shape any package would use: one of everything, through every hook."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import click

from harness.sdk import (
    Clip,
    ClipError,
    Completion,
    Describer,
    Model,
    Prompt,
    PromptStrategy,
    Trainer,
    frozen_mapping,
    hookimpl,
    option,
)
from harness.sdk.testing import TinyTask


class SpecimenTask(TinyTask):
    name = "specimen-task"
    description = "the specimen plugin's task (the in-memory tiny task)"


class FirstChoiceModel(Model):
    name = "first-choice"
    description = "always answers the first choice"

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        return [Completion(p.example.example_id, text=p.choices[0]) for p in prompts]


class BarePrompt(PromptStrategy):
    name = "specimen-bare"
    description = "the target utterance and the labels, nothing else"

    class Options(PromptStrategy.Options):
        separator: str = option(" | ", "between the labels")

    config: Options

    def build(self, examples):
        return [
            Prompt(
                example=e,
                text=f"{e.target.text}\n{self.config.separator.join(e.labels)}\n",
                choices=tuple(e.labels),
                answer_map=frozen_mapping({label: label for label in e.labels}),
            )
            for e in examples
        ]


class CountingTrainer(Trainer):
    name = "specimen-count"
    description = "writes how many train examples it saw (a trainer needing no libraries)"

    class Options(Trainer.Options):
        label: str = option("specimen", "a name written into the checkpoint")

    config: Options

    def train(self, tasks, out_dir: Path, context):
        record = {"label": self.config.label, "n_train": sum(len(t.examples("train")) for t in tasks)}
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "specimen.json").write_text(json.dumps(record), encoding="utf-8")
        return record


class NamingDescriber(Describer):
    name = "specimen-names"
    description = "describes a clip by its file name (a describer needing no libraries)"

    class Options(Describer.Options):
        words: str = option("a clip named", "put before the name")

    config: Options

    def read(self, clip: Clip) -> str:
        if clip.path.suffix != ".mp4":
            raise ClipError(f"{clip.path}: not an .mp4")
        return clip.path.stem

    def describe(self, inputs: Sequence[str]) -> list[str]:
        return [f"{self.config.words} {stem}" for stem in inputs]


@click.command("specimen-hello")
@click.option("--name", default="world", show_default=True)
def hello(name):
    """Greets: a command contributed by the specimen plugin."""
    click.echo(f"hello {name} from the specimen plugin")


@hookimpl
def ercbench_register_tasks(register):
    register(SpecimenTask)


@hookimpl
def ercbench_register_prompts(register):
    register(BarePrompt)


@hookimpl
def ercbench_register_models(register):
    register(FirstChoiceModel)


@hookimpl
def ercbench_register_trainers(register):
    register(CountingTrainer)


@hookimpl
def ercbench_register_describers(register):
    register(NamingDescriber)


@hookimpl
def ercbench_register_commands(register):
    register(hello)

