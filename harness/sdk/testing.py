"""Test doubles plugin authors can reuse: a tiny in-memory task, fixed-answer models, a registry."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from harness.interfaces import Model, Task
from harness.registry import Origin, Registry
from harness.schema import option
from harness.types import Completion, Dialogue, Prompt, Utterance

__all__ = [
    "TESTING_ORIGIN", "TINY_DIALOGUES", "TINY_LABELS", "EchoGoldModel", "FixedTextModel", "TinyTask", "registry_with",
]

TINY_LABELS = ("neutral", "joy", "anger")
TINY_DIALOGUES = {
    "train": [
        [("A", "hello there", "neutral"), ("B", "what a great day", "joy"), ("A", "stop it now", "anger")],
        [("C", "fine thanks", "neutral"), ("D", "I love this", "joy")],
    ],
    "test": [
        [("A", "good morning", "neutral"), ("B", "wonderful news", "joy"), ("A", "this is awful", "anger")],
        [("C", "yes", "neutral"), ("D", "hooray", "joy"), ("C", "get out", "anger"), ("D", "ok", "neutral")],
    ],
}
TESTING_ORIGIN = Origin("testing", "ercbench-testing", "0")


class TinyTask(Task):
    """Two short dialogues per split, three labels, no files."""

    name = "tiny"
    description = "in-memory test task"
    labels = TINY_LABELS

    def splits(self) -> tuple[str, ...]:
        return tuple(TINY_DIALOGUES)

    def dialogues(self, split: str) -> list[Dialogue]:
        return [
            Dialogue(f"d{i}", split, tuple(Utterance(j, s, t, e) for j, (s, t, e) in enumerate(turns)))
            for i, turns in enumerate(TINY_DIALOGUES[split])
        ]

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "variant": "tiny", "format": "memory", "files": {}}


class EchoGoldModel(Model):
    """Answers the gold label's choice: a perfect model, for pipeline tests."""

    name = "echo-gold"
    description = "answers the gold label"

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        answers = []
        for prompt in prompts:
            choice = next(c for c, label in prompt.answer_map.items() if label == prompt.example.gold)
            answers.append(Completion(prompt.example.example_id, text=choice))
        return answers


class FixedTextModel(Model):
    """Answers the same text (option `text`) to every prompt; 'gibberish' tests unparseable paths."""

    name = "fixed-text"
    description = "answers option text=..."

    class Options(Model.Options):
        text: str = option("", "the answer given to every prompt")

    config: Options

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        text = self.config.text
        return [Completion(p.example.example_id, text=text) for p in prompts]


def registry_with(extra: Iterable[tuple[str, type]] = (), base: Registry | None = None) -> Registry:
    """A registry holding the installed plugins plus the test doubles (or the given classes)."""
    from harness.discovery import build_registry, make_plugin_manager

    registry = base or build_registry(*make_plugin_manager())
    for kind, cls in extra or (("tasks", TinyTask), ("models", EchoGoldModel), ("models", FixedTextModel)):
        registry.add(kind, cls, TESTING_ORIGIN)
    return registry
