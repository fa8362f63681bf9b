"""Zero-shot prompting: the last N context utterances, the target and the label list, in a chosen template."""

from __future__ import annotations

from typing import Sequence

from harness.hookspecs import hookimpl
from harness.interfaces import PromptStrategy
from harness.sdk.options import count, flag
from harness.types import Example, Prompt
from plugins.prompts.templates import Style, get_template, render_turn

__all__ = ["ZeroShot", "parse_window", "render_turn"]


def parse_window(value: str | int | None) -> int | None:
    """'all' or None -> whole history; otherwise a non-negative count."""
    if value is None or value == "all":
        return None
    return count("window (a number or 'all')", value)




class ZeroShot(PromptStrategy):
    """Context window + target + label list; the model answers with one label."""

    name = "zero-shot"
    description = "last N context turns and the target, in a template (plain, dialoguellm, instructerc, chat)"

    def __init__(
        self,
        window: str = "5",
        speakers: str = "on",
        descriptions: str = "off",
        template: str = "plain",
        **options: str,
    ):
        super().__init__(window=window, speakers=speakers, descriptions=descriptions, template=template, **options)
        self.style = Style(
            window=parse_window(window),
            speakers=flag("speakers", speakers),
            descriptions=flag("descriptions", descriptions),
        )
        self.template = get_template(template)

    def demonstrations(self, examples: Sequence[Example]) -> list[tuple[Example, ...]]:
        """The demonstrations shown before each example; none in zero-shot."""
        return [() for _ in examples]

    def build(self, examples: Sequence[Example]) -> list[Prompt]:
        return [
            self.template.build(example, demos, self.style)
            for example, demos in zip(examples, self.demonstrations(examples))
        ]

    def render_answer(self, example: Example) -> str:
        """The gold choice string, so that training text = prompt text + answer."""
        return self.template.choice(example.gold)


@hookimpl
def ercbench_register_prompts(register):
    register(ZeroShot)
