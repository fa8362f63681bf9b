"""What a plugin author imports to declare options: the SDK's Options/option and value helpers."""

from __future__ import annotations

import pytest

from harness.errors import ConfigError
from harness.sdk import Model, option
from harness.sdk.options import to_flag, word_list


class Fancy(Model):
    name = "fancy"
    description = "a model declared the way the README shows"

    class Options(Model.Options):
        temperature: float = option(0.0, "sampling temperature", minimum=0)
        labels: tuple[str, ...] = option(("a",), "labels, a,b", parse=word_list)

    def predict(self, prompts):
        return []


def test_a_plugin_declared_through_the_sdk_parses_and_refuses():
    model = Fancy(temperature="0.7", labels="x,y")
    assert (model.config.temperature, model.config.labels) == (0.7, ("x", "y"))
    assert model.info() == {"temperature": "0.7", "labels": "x,y"}
    with pytest.raises(ConfigError, match="model 'fancy': option temperature must be >= 0, got '-1'"):
        Fancy(temperature="-1")
    with pytest.raises(ConfigError, match="did you mean temperature"):
        Fancy(temprature="1")


@pytest.mark.parametrize("value, expected", [
    ("on", True), ("Yes", True), ("1", True), ("off", False), ("FALSE", False),
])
def test_to_flag(value, expected):
    assert to_flag(value) is expected


@pytest.mark.parametrize("value", ["maybe", ""])
def test_to_flag_refuses_other_words(value):
    with pytest.raises(ValueError, match="must be on or off"):
        to_flag(value)


def test_word_list():
    assert word_list("a, b,c") == ("a", "b", "c")
    for bad in ("", "a,,b", "a,a"):
        with pytest.raises(ValueError):
            word_list(bad)
