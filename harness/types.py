"""Frozen values passed between the stages: dataset -> examples -> prompt -> model -> prediction."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping


def frozen_mapping(items: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """A read-only dict, so frozen dataclasses stay frozen all the way down."""
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True)
class Utterance:
    """One turn of a dialogue; `description` carries optional video-derived knowledge."""

    index: int
    speaker: str
    text: str
    emotion: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Dialogue:
    """A conversation (a MELD dialogue, an EmoryNLP scene, an IEMOCAP session dialogue)."""

    dialogue_id: str
    split: str
    utterances: tuple[Utterance, ...]


@dataclass(frozen=True)
class Example:
    """One utterance to classify, seen inside its dialogue."""

    example_id: str
    task: str
    dialogue: Dialogue
    target_index: int
    gold: str
    labels: tuple[str, ...]

    @property
    def target(self) -> Utterance:
        return self.dialogue.utterances[self.target_index]

    def context(self, window: int | None) -> tuple[Utterance, ...]:
        """The utterances before the target: the last `window` of them, or all when None."""
        before = self.dialogue.utterances[: self.target_index]
        if window is None:
            return before
        if window <= 0:
            return ()
        return before[-window:]


@dataclass(frozen=True)
class Prompt:
    """What the model sees, and how to read its answer back into a label.

    `choices` are the answer strings a model may produce or be scored on;
    `answer_map` maps each choice to the task label it stands for.
    """

    example: Example
    choices: tuple[str, ...]
    answer_map: Mapping[str, str]
    text: str | None = None
    messages: tuple[tuple[str, str], ...] | None = None
    meta: Mapping[str, Any] = field(default_factory=frozen_mapping)


@dataclass(frozen=True)
class Completion:
    """A model's raw answer: generated text, scored choices, or both."""

    example_id: str
    text: str | None = None
    choice_logprobs: Mapping[str, float] | None = None
    #: per-answer facts a reader of predictions.jsonl needs (e.g. truncated_tokens)
    meta: Mapping[str, Any] = field(default_factory=frozen_mapping)


@dataclass(frozen=True)
class Prediction:
    """A parsed answer; `predicted` is None when unparseable (counted, never dropped)."""

    example_id: str
    gold: str
    predicted: str | None
    raw: str | None
    extra: Mapping[str, Any] = field(default_factory=frozen_mapping)


@dataclass(frozen=True)
class RunSpec:
    """The identity of a run: everything that can change its answers."""

    task: str
    prompt: str
    model: str
    split: str = "test"
    seed: int = 0
    limit: int | None = None
    parser: str = "strict"
    task_args: Mapping[str, str] = field(default_factory=frozen_mapping)
    prompt_args: Mapping[str, str] = field(default_factory=frozen_mapping)
    model_args: Mapping[str, str] = field(default_factory=frozen_mapping)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "prompt": self.prompt,
            "model": self.model,
            "split": self.split,
            "seed": self.seed,
            "limit": self.limit,
            "parser": self.parser,
            "task_args": dict(self.task_args),
            "prompt_args": dict(self.prompt_args),
            "model_args": dict(self.model_args),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RunSpec":
        fields = dict(data)
        for key in ("task_args", "prompt_args", "model_args"):
            fields[key] = frozen_mapping(fields.get(key))
        return cls(**fields)


@dataclass(frozen=True)
class RunResult:
    """What a finished run reports; written to results/<run_id>/run.json."""

    run_id: str
    spec: RunSpec
    scores: Mapping[str, Any]
    n: int
    n_unparsed: int
    plugins: Mapping[str, Any]
    task_info: Mapping[str, Any]
    started: str
    duration_s: float
    extra: Mapping[str, Any] = field(default_factory=frozen_mapping)
