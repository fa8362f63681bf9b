"""Zero-shot prompting: the last N context utterances, the target, the label list."""

from __future__ import annotations

from typing import Sequence

from harness.errors import ConfigError
from harness.hookspecs import hookimpl
from harness.interfaces import PromptStrategy
from harness.types import Example, Prompt, Utterance, frozen_mapping


def parse_window(value: str | int | None) -> int | None:
    """'all' or None -> whole history; otherwise a non-negative count."""
    if value is None or value == "all":
        return None
    try:
        window = int(value)
    except ValueError:
        raise ConfigError(f"context window must be a number or 'all', got {value!r}") from None
    if window < 0:
        raise ConfigError(f"context window must be >= 0, got {window}")
    return window


def parse_flag(name: str, value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"option {name} must be on or off, got {value!r}")


def render_turn(utterance: Utterance, speakers: bool, descriptions: bool) -> str:
    line = f"{utterance.speaker}: {utterance.text}" if speakers else utterance.text
    if descriptions and utterance.description:
        line += f" [{utterance.description}]"
    return line


class ZeroShot(PromptStrategy):
    """Context window + target + label list; the model answers with one label."""

    name = "zero-shot"
    description = "last N context turns, the target utterance and the label list"

    def __init__(self, window: str = "5", speakers: str = "on", descriptions: str = "off", **options: str):
        super().__init__(window=window, speakers=speakers, descriptions=descriptions, **options)
        self.window = parse_window(window)
        self.speakers = parse_flag("speakers", speakers)
        self.descriptions = parse_flag("descriptions", descriptions)

    def render(self, example: Example) -> str:
        lines = ["Classify the emotion of the target utterance in this conversation."]
        context = example.context(self.window)
        if context:
            lines.append("Context:")
            lines.extend(render_turn(u, self.speakers, self.descriptions) for u in context)
        lines.append("Target utterance:")
        lines.append(render_turn(example.target, self.speakers, self.descriptions))
        lines.append(f"Choose one label from: {', '.join(example.labels)}.")
        lines.append("Answer:")
        return "\n".join(lines)

    def build(self, examples: Sequence[Example]) -> list[Prompt]:
        return [
            Prompt(
                example=example,
                choices=example.labels,
                answer_map=frozen_mapping({label: label for label in example.labels}),
                text=self.render(example),
            )
            for example in examples
        ]


@hookimpl
def ercbench_register_prompts(register):
    register(ZeroShot)
