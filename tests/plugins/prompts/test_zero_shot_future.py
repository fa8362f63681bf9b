"""future=N: the N utterances after the target, marked as later, in every template; none by default."""

from __future__ import annotations

import pytest

from harness.context import RunContext
from harness.discovery import default_registry
from harness.errors import ConfigError
from plugins.prompts.k_shot import KShot
from plugins.prompts.templates import TEMPLATES
from plugins.prompts.zero_shot import ZeroShot
from tests.plugins.prompts.examples import UTTERANCES, dialogue_example
from tests.plugins.prompts.test_templates import shown

MARKERS = {"plain": "After the target:", "chat": "After the target:", "dialoguellm": "### After the input:",
           "instructerc": "### After it:"}


def rendered(target: int, **options: str) -> str:
    return shown(ZeroShot(**options).build([dialogue_example(target)])[0])


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_future_two_shows_the_two_next_turns_after_a_marker_and_the_target_once(template):
    text = rendered(1, window="1", future="2", template=template)
    marker = text.index(MARKERS[template])
    # The target sits before the marker and is not repeated (instructerc names it twice anyway);
    # the two later turns follow the marker, in dialogue order.
    target = UTTERANCES[1].text
    assert text.index(target) < marker
    assert text.count(target) == rendered(1, window="1", template=template).count(target)
    later = [text.index(UTTERANCES[i].text) for i in (2, 3)]
    assert marker < later[0] < later[1]
    assert text.count(UTTERANCES[2].text) == 1 and text.count(UTTERANCES[3].text) == 1


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_at_the_dialogues_end_fewer_or_no_later_turns_are_shown(template):
    near_end = rendered(2, window="0", future="2", template=template)
    assert near_end.count(UTTERANCES[3].text) == 1 and MARKERS[template] in near_end
    assert rendered(3, window="0", future="2", template=template) == rendered(3, window="0", template=template)


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_future_zero_is_the_default_prompt(template):
    assert rendered(1, future="0", template=template) == rendered(1, template=template)
    assert MARKERS[template] not in rendered(1, template=template)


def test_k_shot_takes_future_and_info_records_the_context_used():
    prompt = KShot(k="0", future="1").build([dialogue_example(1)])[0]
    assert "After the target:\nMonica: We said seven!" in prompt.text and "Chandler: Oh my God" not in prompt.text
    assert ZeroShot(future="2", window="3").info()["future"] == "2"
    assert (ZeroShot().info()["window"], ZeroShot().info()["future"]) == ("5", "0")


@pytest.mark.parametrize("value", ["-1", "two"])
def test_a_bad_future_is_a_config_error_naming_it(value):
    with pytest.raises(ConfigError, match="future"):
        ZeroShot(future=value)


def test_run_json_records_the_past_window_and_future_turns(tmp_path):
    import json

    from harness.run.pipeline import run
    from harness.types import RunSpec

    spec = RunSpec(task="sample", prompt="zero-shot", model="majority", split="test", limit=3,
                   prompt_args={"future": "2"})
    _, folder = run(spec, RunContext(default_registry()), results_dir=tmp_path)
    recorded = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert recorded["spec"]["prompt_args"] == {"future": "2"}
    assert (recorded["prompt_info"]["window"], recorded["prompt_info"]["future"]) == ("5", "2")
