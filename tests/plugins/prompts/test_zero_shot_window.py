"""The zero-shot context window: N last turns with speakers, N=0 allowed, bad N refused."""

from __future__ import annotations

import re

import pytest

from harness.errors import ConfigError
from harness.sdk.testing import TinyTask
from plugins.prompts.zero_shot import ZeroShot


def fourth_example():
    return TinyTask().examples("test")[6]  # dialogue d1, turn 3 ("ok"), three turns before it


def text_for(**options):
    return ZeroShot(**options).build([fourth_example()])[0].text


def test_window_keeps_the_last_turns_with_speakers():
    text = text_for(window="2")
    assert "D: hooray" in text and "C: get out" in text and "C: yes" not in text
    assert "D: ok" in text


def test_window_zero_has_no_context():
    text = text_for(window="0")
    assert "hooray" not in text and "get out" not in text and "ok" in text


def test_labels_are_listed_and_speakers_can_be_hidden():
    text = text_for(window="all", speakers="off")
    assert "C: yes" not in text and "yes" in text
    assert all(label in text for label in TinyTask.labels)


@pytest.mark.parametrize("options", [{"window": "-1"}, {"window": "many"}, {"speakers": "maybe"}])
def test_bad_options_are_config_errors(options):
    [(key, value)] = options.items()
    with pytest.raises(ConfigError, match=rf"\b{key}\b.*{re.escape(value)}"):
        ZeroShot(**options)


def test_a_misspelt_option_is_refused_naming_the_right_one():
    with pytest.raises(ConfigError, match="prompt 'zero-shot': unknown option 'windw'; did you mean window"):
        ZeroShot(windw="3")
