"""The shared option parsers: flags, counts, choices, label lists."""

from __future__ import annotations

import pytest

from harness.errors import ConfigError
from harness.sdk import options


@pytest.mark.parametrize("value, expected", [("on", True), ("Yes", True), ("1", True), ("off", False), ("FALSE", False)])
def test_flag(value, expected):
    assert options.flag("x", value) is expected


@pytest.mark.parametrize("value", ["maybe", ""])
def test_flag_refuses_other_words(value):
    with pytest.raises(ConfigError, match="option x must be on or off"):
        options.flag("x", value)


def test_count():
    assert options.count("k", "3") == 3 and options.count("k", " 0 ") == 0
    with pytest.raises(ConfigError, match="option k must be >= 0"):
        options.count("k", "-2")
    with pytest.raises(ConfigError, match="whole number"):
        options.count("k", "2.5")


def test_choice_and_label_list():
    assert options.choice("format", "JSON", ("json", "tsv")) == "json"
    with pytest.raises(ConfigError, match="one of json, tsv"):
        options.choice("format", "xml", ("json", "tsv"))
    assert options.label_list("labels", "a, b,c") == ("a", "b", "c")
    with pytest.raises(ConfigError, match="repeats a label"):
        options.label_list("labels", "a,a")
