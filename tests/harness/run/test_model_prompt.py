"""Run set-up: a model that requires a prompt gets exactly it, from the registry passed to the run, or is refused."""

from __future__ import annotations

import json
from typing import Mapping, Sequence

import pytest

from harness.context import RunContext
from harness.errors import ConfigError
from harness.interfaces import Model, PromptStrategy, RequiredPrompt
from harness.registry import Registry
from harness.results.store import RUN_FILE
from harness.run import pipeline
from harness.run.model_prompt import apply_model_prompt
from harness.schema import option
from harness.sdk.testing import TinyTask, registry_with
from harness.types import Completion, Prompt, RunSpec, frozen_mapping

SOURCE = "/checkpoints/c1/meta.json"


class RecordedPrompt(PromptStrategy):
    """A prompt only the test registry knows: the last `window` turns, and the window in the text."""

    name = "recorded"

    class Options(PromptStrategy.Options):
        window: int = option(1, "turns before the target")
        speakers: bool = option(True, "not shown; an option the checkpoint does not record")

    def __init__(self, **options: str):
        super().__init__(**options)
        self.window = self.config.window

    def build(self, examples) -> list[Prompt]:
        prompts = []
        for example in examples:
            turns = example.dialogue.utterances[max(0, example.target_index - self.window) : example.target_index + 1]
            text = f"window {self.window}: " + " / ".join(turn.text for turn in turns) + "\nAnswer:"
            prompts.append(Prompt(example, text=text, choices=example.labels,
                                  answer_map={lab: lab for lab in example.labels}))
        return prompts

    def info(self) -> dict:
        # Normalised: "01" and "1" build the same prompt and say so.
        return {"window": self.window, **{k: v for k, v in self.options.items() if k != "window"}}


class TrainedModel(Model):
    """Weights trained on `recorded` with window=2; prompt.window=N evaluates them off-recipe."""

    name = "trained"
    answer_mode = "generate"
    seen: list[str] = []

    class Options(Model.Options):
        target: str = option("", "the checkpoint")
        prompt_options: dict = option(help="prompt overrides", prefix="prompt.")

    @classmethod
    def prompt_for(cls, target: str | None, options: Mapping[str, str]) -> RequiredPrompt:
        window = options.get("prompt.window", "2")
        return RequiredPrompt("recorded", {"window": window}, SOURCE, "pass --model-opt prompt.window=N")

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        type(self).seen.extend(prompt.text for prompt in prompts)
        return [Completion(p.example.example_id, text=p.example.gold) for p in prompts]


@pytest.fixture
def registry() -> Registry:
    """Built from nothing installed: a run that looked in the global registry could not find these plugins."""
    TrainedModel.seen = []
    plugins = (("tasks", TinyTask), ("prompts", RecordedPrompt), ("models", TrainedModel))
    return registry_with(plugins, base=Registry())


def spec(**changes) -> RunSpec:
    fields = dict(task="tiny", prompt="recorded", model="trained:/checkpoints/c1")
    fields.update(changes)
    return RunSpec(**fields)


def test_run_json_names_the_prompt_the_model_was_trained_on(registry, results_dir):
    result, folder = pipeline.run(spec(), RunContext(registry), results_dir=results_dir)
    run = json.loads((folder / RUN_FILE).read_text())
    assert run["spec"]["prompt"] == "recorded" and run["spec"]["prompt_args"] == {"window": "2"}
    assert result.spec.prompt_args == {"window": "2"}
    # The prompts the model answered were built once, by the prompt stage, with the recorded options.
    assert TrainedModel.seen and all(text.startswith("window 2: ") for text in TrainedModel.seen)
    assert result.n == 7 and result.scores["accuracy"] == 1.0


def test_the_registry_passed_to_the_run_is_the_one_used(registry, results_dir):
    _, folder = pipeline.run(spec(), RunContext(registry), results_dir=results_dir)
    plugins = json.loads((folder / RUN_FILE).read_text())["plugins"]
    distributions = {role: entry["distribution"] for role, entry in plugins.items()}
    assert distributions == dict.fromkeys(plugins, "ercbench-testing")


def test_a_models_prompt_override_reaches_the_prompt_stage(registry, results_dir):
    changed = spec(model_args=frozen_mapping({"prompt.window": "0"}), prompt_args=frozen_mapping({"window": "0"}))
    result, _ = pipeline.run(changed, RunContext(registry), results_dir=results_dir)
    assert result.spec.prompt_args == {"window": "0"}
    assert all(text.startswith("window 0: ") for text in TrainedModel.seen)


def test_agreeing_options_resolve_to_the_same_spec(registry):
    plain = apply_model_prompt(spec(), registry)
    spelled_out = apply_model_prompt(spec(prompt_args=frozen_mapping({"window": "2"})), registry)
    written_differently = apply_model_prompt(spec(prompt_args=frozen_mapping({"window": "02"})), registry)
    assert plain == spelled_out == written_differently
    assert plain.prompt_args == {"window": "2"}


def test_a_model_without_a_required_prompt_leaves_the_spec_alone(registry):
    class Free(TrainedModel):
        name = "free"

        @classmethod
        def prompt_for(cls, target, options):
            return None

    registry_with([("models", Free)], base=registry)
    free = spec(model="free", prompt_args=frozen_mapping({"window": "5"}))
    assert apply_model_prompt(free, registry) is free


def test_a_disagreeing_prompt_option_is_refused_in_one_line(registry, results_dir):
    with pytest.raises(ConfigError) as refused:
        pipeline.run(spec(prompt_args=frozen_mapping({"window": "3"})), RunContext(registry), results_dir=results_dir)
    message = str(refused.value)
    assert "\n" not in message
    assert "requires prompt recorded with window=2" in message and SOURCE in message
    assert "--prompt-opt window=3" in message and "--model-opt prompt.window=N" in message
    assert TrainedModel.seen == [] and not results_dir.exists()


def test_another_prompt_strategy_is_refused_in_one_line(registry, results_dir):
    with pytest.raises(ConfigError, match=r"the run asks -p zero-shot: use -p recorded, or pass") as refused:
        pipeline.run(spec(prompt="zero-shot"), RunContext(registry), results_dir=results_dir)
    assert "\n" not in str(refused.value)


def test_an_extra_option_the_checkpoint_did_not_record_is_refused(registry):
    with pytest.raises(ConfigError, match="--prompt-opt speakers=off"):
        apply_model_prompt(spec(prompt_args=frozen_mapping({"speakers": "off"})), registry)
