"""LoRA settings: DialogueLLM defaults, option parsing and clear errors for bad values."""

from __future__ import annotations

import pytest

from harness.errors import ConfigError
from plugins.training.lora_settings import LoraSettings, parse_settings


def test_defaults_follow_the_public_dialoguellm_code():
    settings = parse_settings({})
    assert (settings.r, settings.alpha, settings.dropout) == (8, 64, 0.05)
    assert settings.target_modules == ("q_proj", "v_proj")
    assert (settings.lr, settings.warmup_steps, settings.max_length, settings.epochs) == (3e-4, 100, 256, 3.0)
    assert settings.batch_size == 60 and settings.batch_size == settings.micro_batch_size * settings.accumulation
    assert settings.loss_on_prompt is False and settings.selection == "loss"


def test_string_options_are_converted_and_prompt_options_routed():
    settings = parse_settings(
        {
            "r": "16",
            "lr": "1e-4",
            "loss_on_prompt": "on",
            "target_modules": "q_proj, k_proj",
            "prompt.window": "0",
            "prompt.template": "dialoguellm",
        }
    )
    assert settings.r == 16 and settings.lr == 1e-4 and settings.loss_on_prompt is True
    assert settings.target_modules == ("q_proj", "k_proj")
    assert dict(settings.prompt_options) == {"window": "0", "template": "dialoguellm"}
    assert settings.to_json()["gradient_accumulation_steps"] == 15


@pytest.mark.parametrize(
    "options, message",
    [
        ({"rank": "8"}, "unknown option 'rank'"),
        ({"r": "eight"}, "option r must be a whole number"),
        ({"lr": "-1"}, ">= 0"),
        ({"batch_size": "10", "micro_batch_size": "4"}, "multiple of micro_batch_size"),
        ({"selection": "accuracy"}, "selection must be one of loss, f1"),
        ({"quantization": "3bit"}, "quantization must be one of"),
        ({"loss_on_prompt": "maybe"}, "on or off"),
        ({"target_modules": " , "}, "at least one module"),
        ({"dropout": "1.5"}, "dropout must be below 1"),
    ],
)
def test_bad_options_raise_config_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        parse_settings(options)


def test_settings_are_frozen():
    with pytest.raises(AttributeError, match="cannot assign to field 'r'"):
        LoraSettings().r = 4  # type: ignore[misc]
