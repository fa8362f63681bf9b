"""The `hf` model plugin: score mode against a naive computation, generation, truncation, bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.context import RunContext
from harness.errors import ConfigError
from harness.registry import Registry
from harness.types import Prompt, frozen_mapping
from plugins.models.hf_causal import HFCausal, parse_stops


def loaded(path: Path, **options: str) -> HFCausal:
    model = HFCausal(target=str(path), **options)
    model.prepare(None, RunContext(Registry(), seed=0))
    return model


def naive_logprob(model, tokenizer, context: str, choice: str) -> float:
    """One unbatched forward per (prompt, choice), split the way lm-eval splits it."""
    import torch

    stripped = context.rstrip()
    choice = context[len(stripped):] + choice
    context_ids = tokenizer(stripped)["input_ids"]
    whole = tokenizer(stripped + choice)["input_ids"]
    with torch.no_grad():
        logits = model(torch.tensor([whole])).logits[0].log_softmax(-1)
    return sum(logits[pos - 1, whole[pos]].item() for pos in range(len(context_ids), len(whole)))


def test_score_equals_naive_forward_per_label(tiny_llama, meld_prompts):
    model = loaded(tiny_llama, mode="score", batch_size="5")
    completions = model.predict(meld_prompts)
    worst = 0.0
    for prompt, completion in zip(meld_prompts, completions):
        assert set(completion.choice_logprobs) == set(prompt.choices)
        for choice, value in completion.choice_logprobs.items():
            expected = naive_logprob(model.model, model.tokenizer, prompt.text, choice)
            worst = max(worst, abs(value - expected))
    assert worst <= 1e-5


def test_bos_follows_the_tokenizer_default_or_the_option(tiny_llama, tmp_path):
    from tests.tinymodels import build_tiny_llama

    with_bos = loaded(tiny_llama)
    bos = with_bos.tokenizer.bos_token_id
    assert with_bos.encode("joy")[0] == bos
    assert with_bos.encode("<s>joy").count(bos) == 1  # a chat template's BOS is not doubled
    assert bos not in loaded(tiny_llama, bos="off").encode("joy")
    plain_dir = build_tiny_llama(tmp_path / "plain")
    assert bos not in loaded(plain_dir).encode("joy")
    forced = loaded(plain_dir, bos="on")
    assert forced.encode(forced.lead("joy") + "joy")[0] == bos


@pytest.mark.parametrize("scorer", ["auto", "batched", "padded"])
def test_scorers_agree(tiny_llama, meld_prompts, scorer):
    reference = loaded(tiny_llama, mode="score", scorer="packed").predict(meld_prompts[:3])
    other = loaded(tiny_llama, mode="score", scorer=scorer).predict(meld_prompts[:3])
    for a, b in zip(reference, other):
        assert max(abs(a.choice_logprobs[c] - b.choice_logprobs[c]) for c in a.choice_logprobs) <= 1e-5


def test_trained_model_answers_joy_in_both_modes(joy_llama, meld_prompts):
    import random

    from harness.run.parsing import parse_strict, to_prediction

    generator = loaded(joy_llama, mode="generate", max_new_tokens="4")
    for prompt, completion in zip(meld_prompts, generator.predict(meld_prompts)):
        prediction = to_prediction(prompt, completion, parse_strict, random.Random(0))
        assert prediction.predicted == "joy", completion.text
    scorer = loaded(joy_llama, mode="score")
    for prompt, completion in zip(meld_prompts, scorer.predict(meld_prompts)):
        scores = completion.choice_logprobs
        assert prompt.answer_map[max(scores, key=scores.get)] == "joy"


def test_beam_search_agrees_with_greedy_on_a_confident_model(joy_llama, meld_prompts):
    beams = loaded(joy_llama, mode="generate", num_beams="3", max_new_tokens="3", batch_size="4")
    assert [c.text.strip() for c in beams.predict(meld_prompts)] == ["joy"] * len(meld_prompts)


def test_long_prompt_is_cut_from_the_left_and_recorded(tiny_llama, meld_prompts):
    probe = loaded(tiny_llama)
    prompt = max(meld_prompts, key=lambda p: len(probe.tokenizer(p.text)["input_ids"]))
    room = len(probe.tokenizer(prompt.text)["input_ids"]) - 8
    model = loaded(tiny_llama, mode="score", max_length=str(room))
    completion = model.predict([prompt])[0]
    assert completion.meta["truncated_tokens"] > 0
    assert "n_truncated" not in model.info()  # the run counts truncation from the predictions only
    text, _ = model.fitted(prompt, model.choice_room(prompt))
    assert prompt.text.endswith(text) and prompt.example.target.text in text


def test_prompt_that_cannot_keep_its_target_is_refused(tiny_llama, meld_prompts):
    model = loaded(tiny_llama, mode="generate", max_length="14", max_new_tokens="2")
    with pytest.raises(ConfigError, match="target utterance would be lost"):
        model.predict(meld_prompts[:1])


def test_missing_pad_token_falls_back_to_eos_and_is_recorded(tmp_path, meld_prompts):
    from tests.tinymodels import build_tiny_llama

    model = loaded(build_tiny_llama(tmp_path / "nopad", with_pad=False), mode="generate", max_new_tokens="2")
    assert model.tokenizer.pad_token == model.tokenizer.eos_token
    assert len(model.predict(meld_prompts[:3])) == 3
    assert "no pad token" in model.counters().notes[0]


def test_choice_that_tokenizes_to_nothing_is_an_error(tiny_llama, meld_prompts):
    model = loaded(tiny_llama, mode="score")
    base = meld_prompts[0]
    empty = Prompt(base.example, ("joy", ""), frozen_mapping({"joy": "joy", "": "neutral"}), text=base.text)
    with pytest.raises(ConfigError, match="tokenizes to nothing"):
        model.predict([empty])


@pytest.mark.parametrize(
    "options, message",
    [
        ({"target": "/no/such/model"}, "does not exist"),
        ({"target": ""}, "no model given"),
        ({"target": "x", "mode": "guess"}, "mode must be one of"),
        ({"target": "x", "batch_size": "0"}, "must be positive"),
        ({"target": "x", "dtype": "int3"}, "dtype must be one of"),
        ({"target": "x", "colour": "blue"}, "unknown option"),
    ],
)
def test_bad_options_are_config_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        HFCausal(**options).prepare(None, RunContext(Registry(), seed=0))


def test_folder_without_weights_is_a_config_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="cannot load"):
        loaded(tmp_path / "empty")


def test_chat_messages_use_the_tokenizer_template_or_a_plain_transcript(tiny_llama, tmp_path, meld_prompts):
    base = meld_prompts[0]
    chat = Prompt(base.example, base.choices, base.answer_map,
                  messages=(("system", "Label emotions."), ("user", base.text)))
    plain = loaded(tiny_llama, mode="score")
    plain.predict([chat])
    assert plain.counters().renderings == ("plain-chat",)
    templated_dir = tmp_path / "templated"
    shutil.copytree(tiny_llama, templated_dir)
    templated = loaded(templated_dir, mode="score")
    templated.tokenizer.chat_template = (
        "{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}[assistant]"
    )
    templated.predict([chat])
    assert templated.counters().renderings == ("chat-template",)
    assert templated.encode("<s>[system] x").count(templated.tokenizer.bos_token_id) == 1


def test_peft_adapter_is_applied(tiny_llama, tmp_path, meld_prompts):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(tiny_llama, dtype=torch.float32)
    torch.manual_seed(0)
    config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    get_peft_model(base, config).save_pretrained(tmp_path / "adapter")
    plain = loaded(tiny_llama, mode="score").predict(meld_prompts[:2])
    adapted = loaded(tiny_llama, mode="score", adapter=str(tmp_path / "adapter")).predict(meld_prompts[:2])
    assert plain[0].choice_logprobs != adapted[0].choice_logprobs
    with pytest.raises(ConfigError, match="adapter"):
        loaded(tiny_llama, adapter=str(tmp_path))


def test_stop_strings_parse_escapes():
    assert parse_stops(r"\n|###") == ("\n", "###")
    assert parse_stops("") == ()


class CountingTokenizer:
    """The model's tokenizer, counting encode calls (each one may carry a batch of texts)."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.inner(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.mark.parametrize("mode", ["score", "generate"])
def test_a_pass_makes_a_few_tokenizer_calls_whatever_the_number_of_prompts(tiny_llama, meld_prompts, mode):
    calls = []
    for count in (2, len(meld_prompts)):
        model = loaded(tiny_llama, mode=mode, max_new_tokens="2")
        model.predict(meld_prompts[:1])  # one-time measurements (the BOS overhead) out of the way
        model.tokenizer = CountingTokenizer(model.tokenizer)
        model.predict(meld_prompts[:count])
        calls.append(model.tokenizer.calls)
    assert len(meld_prompts) > 4 and calls[0] == calls[1] <= 4


def test_counters_give_run_json_the_keys_info_gave_before(tiny_llama, meld_prompts):
    from harness.lm.stats import ScoreStats

    model = loaded(tiny_llama, mode="score")
    model.predict(meld_prompts[:2])
    counted = model.counters().to_json()
    assert set(counted) == {"renderings", "notes", "compute"} and set(counted["compute"]) == set(ScoreStats().as_dict())
    assert counted["compute"]["tokens_fed"] == model.tokens_computed > 0
    assert not {"renderings", "notes", "compute"} & set(model.info())
