"""Zero-shot: the last N context utterances, the target (optionally later turns) and the label list, in a template."""

from __future__ import annotations

from typing import Mapping, Sequence

from harness.sdk import Example, Prompt, PromptStrategy, Shots, hookimpl
from harness.sdk.options import option
from plugins.prompts import shots as sweep
from plugins.prompts.templates import TEMPLATES, Style, get_template, render_turn

__all__ = ["ZeroShot", "render_turn"]


class ZeroShot(PromptStrategy):
    """Context window + target + label list; the model answers with one label."""

    name = "zero-shot"
    description = "last N context turns and the target, in a template (plain, dialoguellm, instructerc, chat)"
    default = True

    class Options(PromptStrategy.Options):
        window: int | None = option(5, "earlier turns shown before the target ('all': the whole history)",
                                    minimum=0, none="all")
        future: int = option(0, "later turns shown after the target, marked as such (0: past context only)",
                             minimum=0)
        speakers: bool = option(True, "prefix each turn with its speaker")
        descriptions: bool = option(False, "append each utterance's description, when the task attaches them")
        template: str = option("plain", "the prompt wording", choices=tuple(TEMPLATES))

    config: Options

    def __init__(self, **options: str):
        super().__init__(**options)
        self.style = Style(window=self.config.window, speakers=self.config.speakers,
                           descriptions=self.config.descriptions, future=self.config.future)
        self.template = get_template(self.config.template)

    @classmethod
    def with_shots(cls, k: int, options: Mapping[str, str]) -> tuple[str, dict[str, str]]:
        return sweep.variant(k, options)

    @classmethod
    def shots(cls, options: Mapping[str, str]) -> Shots | None:
        return Shots(0, "k=0", sweep.shared_options(options))

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
