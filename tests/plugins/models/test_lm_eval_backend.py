"""The `lm-eval` model: lm-evaluation-harness's hf backend behind our interface agrees with our `hf` model."""

from __future__ import annotations

import pytest

from harness.context import RunContext
from harness.errors import ConfigError
from harness.registry import Registry
from plugins.models.hf_causal import HFCausal
from plugins.models.lm_eval_backend import LmEvalModel, merged_model_args


def prepared(model):
    model.prepare(None, RunContext(Registry(), seed=0))
    return model


def test_hf_backend_log_probs_equal_ours(tiny_llama, meld_prompts, capfd):
    ours = prepared(HFCausal(target=str(tiny_llama), mode="score")).predict(meld_prompts)
    lm_eval = prepared(LmEvalModel(target=str(tiny_llama), mode="score", model_args="dtype=float32", device="cpu"))
    theirs = lm_eval.predict(meld_prompts)
    bars = capfd.readouterr().err
    assert "Loading weights" not in bars and "loglikelihood requests" not in bars  # no library bars in logs
    worst = max(
        abs(mine.choice_logprobs[choice] - other.choice_logprobs[choice])
        for mine, other in zip(ours, theirs)
        for choice in mine.choice_logprobs
    )
    assert worst <= 1e-4


def test_generate_until_reads_the_trained_answer(joy_llama, meld_prompts):
    model = prepared(LmEvalModel(target=str(joy_llama), model_args="dtype=float32", device="cpu", max_new_tokens="4"))
    assert [c.text.strip() for c in model.predict(meld_prompts)] == ["joy"] * len(meld_prompts)


def test_model_args_take_the_target_under_the_backend_key():
    assert merged_model_args("hf", "dtype=float32", "/m") == "pretrained=/m,dtype=float32"
    assert merged_model_args("local-completions", "base_url=http://x", "gpt") == "model=gpt,base_url=http://x"
    assert merged_model_args("vllm", "pretrained=/m", None) == "pretrained=/m"
    with pytest.raises(ConfigError, match="not both"):
        merged_model_args("hf", "pretrained=/a", "/b")


@pytest.mark.parametrize(
    "options, message",
    [({}, "no model given"), ({"target": "m", "mode": "x"}, "mode must be"), ({"target": "m", "foo": "1"}, "unknown")],
)
def test_bad_options(options, message):
    with pytest.raises(ConfigError, match=message):
        LmEvalModel(**options)


def test_unknown_backend_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown backend"):
        prepared(LmEvalModel(target="m", backend="no-such-backend"))


def test_chat_prompt_without_a_template_becomes_a_plain_transcript(tiny_llama, meld_prompts):
    from harness.types import Prompt

    base = meld_prompts[0]
    chat = Prompt(base.example, base.choices, base.answer_map, messages=(("user", base.text),))
    model = prepared(LmEvalModel(target=str(tiny_llama), mode="score", model_args="dtype=float32", device="cpu"))
    [completion] = model.predict([chat])
    assert set(completion.choice_logprobs) == set(base.choices)
    assert model.counters().renderings == ("plain-chat",)
    [ours] = prepared(HFCausal(target=str(tiny_llama), mode="score")).predict([chat])
    assert max(abs(ours.choice_logprobs[c] - completion.choice_logprobs[c]) for c in base.choices) <= 1e-4


def test_without_a_device_option_the_model_goes_where_torch_can_run_it(tiny_llama, meld_prompts, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    model = prepared(LmEvalModel(target=str(tiny_llama), mode="score", model_args="dtype=float32"))
    assert model.info()["device_used"] == "cpu"
    assert all(set(c.choice_logprobs) == set(p.choices) for c, p in zip(model.predict(meld_prompts), meld_prompts))


@pytest.mark.parametrize("target", ["/no/such/model-folder", "./no-such-folder"])
def test_a_missing_model_folder_is_named_as_such(target):
    with pytest.raises(ConfigError, match="no such model folder") as caught:
        prepared(LmEvalModel(target=target))
    assert "Repo id" not in str(caught.value) and target in str(caught.value)


def test_asking_for_cuda_without_one_is_one_line(tiny_llama, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ConfigError, match="device=cuda asked for, but torch sees no CUDA GPU here"):
        prepared(LmEvalModel(target=str(tiny_llama), device="cuda"))
