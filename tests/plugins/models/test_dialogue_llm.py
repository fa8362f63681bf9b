"""The dialoguellm model: loads a trained checkpoint, prompts as trained, merges exactly, scores and generates."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ConfigError
from tests.plugins.training.lora_fixtures import meld, trained_checkpoint


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return trained_checkpoint(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def prompts():
    from harness.discovery import default_registry

    examples = meld().examples("dev")[:6]
    # The run's prompt differs from the trained one (window 2 vs 0): the model must use its own.
    return default_registry().get("prompts", "zero-shot").cls(window="2").build(examples)


def make_model(checkpoint: Path, **options: str):
    from harness.discovery import default_registry

    model = default_registry().get("models", "dialoguellm").cls(target=str(checkpoint), **options)
    model.prepare(meld(), 0)
    return model


def test_save_then_load_gives_the_trained_models_predictions(checkpoint, prompts):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from plugins.training.lora_data import build_records, make_strategy
    from plugins.training.lora_run import choice_logprobs

    loaded = make_model(checkpoint)
    again = make_model(checkpoint)
    first, second = loaded.predict(prompts), again.predict(prompts)
    assert [c.choice_logprobs for c in first] == [c.choice_logprobs for c in second]
    # The same adapter as the trainer held it in memory scores identically to the loaded model.
    base = AutoModelForCausalLM.from_pretrained(loaded.base)
    in_memory = PeftModel.from_pretrained(base, str(checkpoint)).eval()
    records = build_records(make_strategy("zero-shot", {"window": "0"}), [p.example for p in prompts], loaded.tokenizer)
    for record, completion in zip(records, first):
        expected = choice_logprobs(in_memory, loaded.tokenizer, record, 96)
        for choice, value in completion.choice_logprobs.items():
            assert value == pytest.approx(expected[choice], abs=1e-5)


def test_merged_and_unmerged_give_the_same_label_logprobs(checkpoint, prompts):
    plain = make_model(checkpoint).predict(prompts)
    merged = make_model(checkpoint, merge="on").predict(prompts)
    for a, b in zip(plain, merged):
        assert a.choice_logprobs.keys() == b.choice_logprobs.keys()
        assert max(abs(a.choice_logprobs[k] - b.choice_logprobs[k]) for k in a.choice_logprobs) <= 1e-5


def test_prompt_options_come_from_the_checkpoint_and_can_be_overridden(checkpoint, prompts):
    # A longer max_length than trained with, so the extra context is not cut away again.
    model = make_model(checkpoint, max_length="512")
    assert model.info()["prompt_options"]["window"] == "0"
    widened = make_model(checkpoint, max_length="512", **{"prompt.window": "2"})
    assert widened.info()["prompt_options"]["window"] == "2"
    later = [next(p for p in prompts if p.example.target_index > 0)]  # one with context to show
    assert widened.predict(later)[0].choice_logprobs != model.predict(later)[0].choice_logprobs


def test_generate_mode_answers_with_text_the_run_prompt_can_read(checkpoint, prompts):
    import random

    from harness.run.parsing import get_parser, to_prediction

    model = make_model(checkpoint, mode="generate", max_new_tokens="3")
    completions = model.predict(prompts)
    assert all(c.text is not None and c.choice_logprobs is None for c in completions)
    parsed = [to_prediction(p, c, get_parser("strict"), random.Random(0)) for p, c in zip(prompts, completions)]
    assert [p.example_id for p in parsed] == [p.example.example_id for p in prompts]


def test_end_to_end_run_through_the_pipeline(checkpoint, tmp_path):
    from harness.run import pipeline
    from harness.types import RunSpec, frozen_mapping
    from tests.conftest import real_data_root

    spec = RunSpec(
        task="meld",
        prompt="zero-shot",
        model=f"dialoguellm:{checkpoint}",
        split="dev",
        limit=5,
        prompt_args=frozen_mapping({"window": "0"}),
    )
    result, folder = pipeline.run(spec, data_dir=real_data_root(), results_dir=tmp_path)
    assert result.n == 5 and result.n_unparsed == 0
    assert result.model_info["checkpoint"] == str(checkpoint)


def test_bad_options_are_config_errors(checkpoint, tmp_path):
    from harness.discovery import default_registry

    cls = default_registry().get("models", "dialoguellm").cls
    with pytest.raises(ConfigError, match="dialoguellm.json"):
        cls(target=str(tmp_path))
    with pytest.raises(ConfigError, match="checkpoint folder"):
        cls()
    with pytest.raises(ConfigError, match="unknown option"):
        cls(target=str(checkpoint), window="0")
    with pytest.raises(ConfigError, match="mode must be"):
        cls(target=str(checkpoint), mode="sample")
    with pytest.raises(ConfigError, match="does not exist"):
        make_model(checkpoint, base=str(tmp_path / "missing"))


def test_the_hf_backend_scores_like_the_own_backend(checkpoint, prompts):
    own = make_model(checkpoint, merge="on").predict(prompts)
    # A long max_length: hf reserves room for choices differently, so only uncut prompts compare exactly.
    own_long = make_model(checkpoint, merge="on", max_length="512").predict(prompts)
    via_hf = make_model(checkpoint, backend="hf", max_length="512").predict(prompts)
    assert own[0].choice_logprobs.keys() == via_hf[0].choice_logprobs.keys()
    for a, b in zip(own_long, via_hf):
        assert max(abs(a.choice_logprobs[k] - b.choice_logprobs[k]) for k in a.choice_logprobs) <= 1e-4
    generated = make_model(checkpoint, backend="hf", mode="generate", max_new_tokens="3").predict(prompts[:2])
    assert all(c.text is not None for c in generated)
