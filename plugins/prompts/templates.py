"""Prompt templates (plain, dialoguellm, instructerc, chat): one example plus demonstrations -> a Prompt."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Sequence

from harness.errors import ConfigError
from harness.sdk import Example, Prompt, Utterance, frozen_mapping


@dataclass(frozen=True)
class Style:
    """Rendering settings shared by every template."""

    window: int | None = 5
    speakers: bool = True
    descriptions: bool = False
    future: int = 0


def following(example: Example, style: Style) -> tuple[Utterance, ...]:
    """Up to `style.future` utterances after the target (fewer at the dialogue's end); none by default."""
    if style.future <= 0:
        return ()
    start = example.target_index + 1
    return example.dialogue.utterances[start:start + style.future]


def render_turn(utterance: Utterance, style: Style) -> str:
    """'Speaker: text [description]' with the parts the style asks for."""
    line = f"{utterance.speaker}: {utterance.text}" if style.speakers else utterance.text
    if style.descriptions and utterance.description:
        line += f" [{utterance.description}]"
    return line


class Template(ABC):
    """Renders one example (after optional demonstrations) and names the answer strings."""

    name: ClassVar[str]
    description: ClassVar[str] = ""

    def choice(self, label: str) -> str:
        """The exact continuation that stands for `label` after the prompt."""
        return label

    @abstractmethod
    def text(self, example: Example, demos: Sequence[Example], style: Style) -> str:
        """The full prompt text (chat templates render their messages for display)."""

    def messages(self, example: Example, demos: Sequence[Example], style: Style):
        """Chat messages as (role, content) pairs, or None for plain-text templates."""
        return None

    def build(self, example: Example, demos: Sequence[Example], style: Style) -> Prompt:
        choices = tuple(self.choice(label) for label in example.labels)
        messages = self.messages(example, demos, style)
        return Prompt(
            example=example,
            choices=choices,
            answer_map=frozen_mapping(dict(zip(choices, example.labels))),
            text=None if messages is not None else self.text(example, demos, style),
            messages=messages,
            meta=frozen_mapping({"template": self.name, "demos": [d.example_id for d in demos]}),
        )


class Plain(Template):
    """The harness's own neutral wording; answers follow 'Answer:' with a space."""

    name = "plain"
    description = "instruction, context, target, label list, 'Answer:'"

    def choice(self, label: str) -> str:
        return f" {label}"

    def text(self, example: Example, demos: Sequence[Example], style: Style) -> str:
        lines = ["Classify the emotion of the target utterance in this conversation."]
        if demos:
            lines.append("Examples:")
            for demo in demos:
                lines.append(render_turn(demo.target, style))
                lines.append(f"Answer:{self.choice(demo.gold)}")
        context = example.context(style.window)
        if context:
            lines.append("Context:")
            lines.extend(render_turn(u, style) for u in context)
        lines.append("Target utterance:")
        lines.append(render_turn(example.target, style))
        after = following(example, style)
        if after:
            lines.append("After the target:")
            lines.extend(render_turn(u, style) for u in after)
        lines.append(f"Choose one label from: {', '.join(example.labels)}.")
        lines.append("Answer:")
        return "\n".join(lines)


# The public DialogueLLM scripts (Dreamyao516/DialogueLLM, py/myllama-train-mgpu-Emo.py) build
# the prompt with an indented f-string: every line after the header starts with 12 spaces.
# We keep that whitespace, since a checkpoint tuned on it expects it.
DIALOGUELLM_HEADER = (
    "Please perform Classification task. Given the sentence, assign the correct label. "
    "Return label only without any other text."
)
INDENT = " " * 12


def dialoguellm_instruction(labels: Sequence[str], context: bool, descriptions: bool) -> str:
    """Reconstructed from the paper's example instruction (sec. 3.3); the instruction files were never released."""
    given = [name for name, used in (("Video Description", descriptions), ("Context", context)) if used]
    label_list = "[" + ", ".join(repr(label) for label in labels) + "]"
    if given:
        return (f"Given the {' and '.join(given)}, detect the emotion of the input, "
                f"and assign an accuracy label from {label_list}.")
    return f"Detect the emotion of the input, and assign an accuracy label from {label_list}."


class DialogueLLM(Template):
    """Alpaca-style sections as in the public DialogueLLM code: Instruction, Sample, Context, Input, Response."""

    name = "dialoguellm"
    description = "DialogueLLM's ### Instruction / ### Context / ### Input / ### Response prompt"

    def section(self, title: str, body: str) -> str:
        return f"{INDENT}### {title}:\n{INDENT}{body}\n\n"

    def samples(self, demos: Sequence[Example], style: Style) -> str:
        # The public test scripts' few-shot block; they call the utterance "Instruction" and the label "Input".
        lines = [f"{INDENT}Instruction:{render_turn(d.target, style)}\n{INDENT}Input:{d.gold}\n" for d in demos]
        return f"{INDENT}### Sample:[\n{''.join(lines)}{INDENT}]\n\n"

    def text(self, example: Example, demos: Sequence[Example], style: Style) -> str:
        context = example.context(style.window)
        with_descriptions = style.descriptions and any(
            u.description for u in (*context, example.target)
        )
        instruction = dialoguellm_instruction(example.labels, bool(context), with_descriptions)
        parts = [DIALOGUELLM_HEADER, "\n", self.section("Instruction", instruction)]
        if demos:
            parts.append(self.samples(demos, style))
        if context:
            parts.append(self.section("Context", "\n".join(render_turn(u, style) for u in context)))
        parts.append(self.section("Input", render_turn(example.target, style)))
        after = following(example, style)
        if after:
            parts.append(self.section("After the input", "\n".join(render_turn(u, style) for u in after)))
        parts.append(f"{INDENT}### Response:\n{INDENT}")
        return "".join(parts)


def instructerc_turn(utterance: Utterance, style: Style) -> str:
    text = utterance.text
    if style.descriptions and utterance.description:
        text += f" [{utterance.description}]"
    return f'{utterance.speaker}:"{text}"' if style.speakers else f'"{text}"'


class InstructERC(Template):
    """InstructERC's (LIN-SHANG/InstructERC code/data_process.py) ERC prompt, real speaker names."""

    name = "instructerc"
    description = "InstructERC: the conversation between ### marks, then 'Please select the emotional label of <...>'"

    def choice(self, label: str) -> str:
        return f" {label}"

    def text(self, example: Example, demos: Sequence[Example], style: Style) -> str:
        parts = ["Now you are expert of sentiment and emotional analysis. "]
        if demos:
            shown = " ".join(f"<{instructerc_turn(d.target, style)}> is {d.gold}." for d in demos)
            parts.append(f"Here are some demonstrations. {shown} ")
        parts.append("The following conversation noted between '### ###' involves several speakers. ### ")
        turns = (*example.context(style.window), example.target)
        parts.extend(f"\t {instructerc_turn(u, style)}" for u in turns)
        # The original takes the text after the last tab, so the target keeps its leading space.
        target = f" {instructerc_turn(example.target, style)}"
        after = following(example, style)
        if after:
            parts.append(" ### After it:")
            parts.extend(f"\t {instructerc_turn(u, style)}" for u in after)
        parts.append(f" ### Please select the emotional label of <{target}> from <{', '.join(example.labels)}>:")
        return "".join(parts)


class Chat(Template):
    """System + user messages; demonstrations become earlier user/assistant turns."""

    name = "chat"
    description = "chat messages, rendered by the model with its tokenizer's chat template"

    def system(self, example: Example) -> str:
        return (
            "You recognise emotions in conversations. "
            f"Answer with exactly one label from: {', '.join(example.labels)}."
        )

    def user(self, example: Example, style: Style) -> str:
        lines = []
        context = example.context(style.window)
        if context:
            lines.append("Conversation so far:")
            lines.extend(render_turn(u, style) for u in context)
        lines.append("Target utterance:")
        lines.append(render_turn(example.target, style))
        after = following(example, style)
        if after:
            lines.append("After the target:")
            lines.extend(render_turn(u, style) for u in after)
        lines.append("Which emotion does the target utterance express?")
        return "\n".join(lines)

    def messages(self, example: Example, demos: Sequence[Example], style: Style):
        messages = [("system", self.system(example))]
        for demo in demos:
            messages.append(("user", self.user_demo(demo, style)))
            messages.append(("assistant", self.choice(demo.gold)))
        messages.append(("user", self.user(example, style)))
        return tuple(messages)

    def user_demo(self, demo: Example, style: Style) -> str:
        return f"Target utterance:\n{render_turn(demo.target, style)}\nWhich emotion does the target utterance express?"

    def text(self, example: Example, demos: Sequence[Example], style: Style) -> str:
        return "\n".join(f"<|{role}|>\n{content}" for role, content in self.messages(example, demos, style))


TEMPLATES: dict[str, type[Template]] = {cls.name: cls for cls in (Plain, DialogueLLM, InstructERC, Chat)}


def get_template(name: str) -> Template:
    try:
        return TEMPLATES[name]()
    except KeyError:
        raise ConfigError(f"unknown template {name!r} (known: {', '.join(sorted(TEMPLATES))})") from None
