"""Golden files pin the exact text of every template, with and without demonstrations."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.errors import ConfigError
from plugins.prompts.templates import TEMPLATES, Style, get_template
from plugins.prompts.zero_shot import ZeroShot
from tests.plugins.prompts.examples import DEMOS, LABELS, dialogue_example

GOLDEN = Path(__file__).parent / "golden"
STYLE = Style(window=2, speakers=True, descriptions=True)


def shown(prompt) -> str:
    """The prompt text, or chat messages serialised one block per message."""
    if prompt.messages is not None:
        return "".join(f"<|{role}|>\n{content}\n" for role, content in prompt.messages)
    return prompt.text


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize("with_demos", [False, True], ids=["zero", "demos"])
def test_template_matches_golden_file(name, with_demos):
    prompt = get_template(name).build(dialogue_example(), DEMOS if with_demos else (), STYLE)
    path = GOLDEN / f"{name}-{'demos' if with_demos else 'zero'}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(shown(prompt), encoding="utf-8")
    assert shown(prompt) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_choices_map_back_to_every_label(name):
    prompt = get_template(name).build(dialogue_example(), (), STYLE)
    assert [prompt.answer_map[c] for c in prompt.choices] == list(LABELS)
    assert prompt.meta["template"] == name


def test_plain_zero_shot_keeps_the_original_wording():
    prompt = ZeroShot(window="1", descriptions="off").build([dialogue_example()])[0]
    assert prompt.text == (
        "Classify the emotion of the target utterance in this conversation.\n"
        "Context:\nMonica: We said seven!\n"
        "Target utterance:\nChandler: Oh my God, you got the tickets? That's amazing!\n"
        "Choose one label from: neutral, joy, surprise, anger, sadness, disgust, fear.\n"
        "Answer:"
    )
    assert prompt.choices[1] == " joy"


def test_dialoguellm_follows_the_public_layout():
    text = get_template("dialoguellm").build(dialogue_example(), (), Style(window=0)).text
    assert text.startswith("Please perform Classification task.")
    assert "### Context:" not in text
    assert text.endswith("### Input:\n            Chandler: Oh my God, you got the tickets? That's amazing!\n\n"
                         "            ### Response:\n            ")
    assert "assign an accuracy label from ['neutral', 'joy'," in text


def test_instructerc_asks_about_the_target_with_its_leading_space():
    text = get_template("instructerc").build(dialogue_example(), (), Style(window=1)).text
    assert text.endswith(
        'Please select the emotional label of < Chandler:"Oh my God, you got the tickets? That\'s amazing!">'
        " from <neutral, joy, surprise, anger, sadness, disgust, fear>:"
    )
    assert '\t Monica:"We said seven!"' in text and "You're late again" not in text


def test_chat_gives_messages_not_text():
    prompt = get_template("chat").build(dialogue_example(), DEMOS, STYLE)
    assert prompt.text is None
    assert [role for role, _ in prompt.messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert prompt.messages[2] == ("assistant", "anger")


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_render_answer_completes_a_training_text(name):
    strategy = ZeroShot(template=name)
    example = dialogue_example()
    prompt = strategy.build([example])[0]
    answer = strategy.render_answer(example)
    assert prompt.answer_map[answer] == "joy"


def test_unknown_template_is_a_config_error():
    with pytest.raises(ConfigError, match="option template must be one of plain, dialoguellm, .*got 'alpaca'"):
        ZeroShot(template="alpaca")


def test_speakers_and_descriptions_can_be_switched_off():
    text = ZeroShot(speakers="off", descriptions="off", window="all").build([dialogue_example()])[0].text
    assert "Monica" not in text and "frowns" not in text
    text = ZeroShot(descriptions="on", window="all").build([dialogue_example()])[0].text
    assert "We said seven! [a woman frowns at the door]" in text
