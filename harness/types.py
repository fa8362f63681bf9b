"""Frozen values passed between the stages: dataset -> examples -> prompt -> model -> prediction."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from harness.errors import DataError


def frozen_mapping(items: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """A read-only dict, so frozen dataclasses stay frozen all the way down."""
    return MappingProxyType(dict(items or {}))


#: where a run keeps its predictions, one Prediction.to_json() per line
PREDICTIONS_NAME = "predictions.jsonl"
RUN_NAME = "run.json"
_PREDICTION_KEYS = ("id", "dialogue_id", "gold", "predicted", "raw", "fallback", "logprobs", "truncated_tokens")


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
    """A parsed answer; `predicted` is None when unparseable (counted, never dropped).

    `fallback`: the parser guessed the label (seeded) because it could not read the answer;
    `logprobs`: each label's score when the model scored the choices; `truncated_tokens`:
    context tokens cut to fit the model; `dialogue_id`: the example's dialogue (a bootstrap
    resamples whole dialogues); `extra`: any other per-answer fact a model reported.
    One line of predictions.jsonl is `to_json()`; `from_json` reads it back, checked.
    """

    example_id: str
    gold: str
    predicted: str | None
    raw: str | None
    fallback: bool = False
    logprobs: Mapping[str, float] | None = None
    truncated_tokens: int = 0
    dialogue_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=frozen_mapping)

    def to_json(self) -> dict[str, Any]:
        """The predictions.jsonl record; optional fields only when set, so old files read the same."""
        row: dict[str, Any] = {**self.extra, "id": self.example_id}
        if self.dialogue_id is not None:
            row["dialogue_id"] = self.dialogue_id
        row.update(gold=self.gold, predicted=self.predicted, raw=self.raw)
        if self.fallback:
            row["fallback"] = True
        if self.logprobs is not None:
            row["logprobs"] = dict(self.logprobs)
        if self.truncated_tokens:
            row["truncated_tokens"] = self.truncated_tokens
        return row

    @classmethod
    def from_json(cls, row: Any, path: str | Path = PREDICTIONS_NAME, line: int | None = None) -> "Prediction":
        """A record back into a Prediction; DataError (naming file and line) when it is malformed."""
        try:
            return cls._checked(row)
        except ValueError as exc:
            raise DataError(path, f"bad prediction: {exc}", line) from None

    @classmethod
    def from_line(cls, text: str, path: str | Path = PREDICTIONS_NAME, line: int | None = None) -> "Prediction":
        """One line of predictions.jsonl; DataError (naming file and line) when it is not a prediction."""
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(path, f"not valid JSON: {exc.msg}", line) from None
        return cls.from_json(row, path, line)

    @classmethod
    def _checked(cls, row: Any) -> "Prediction":
        if not isinstance(row, dict):
            raise ValueError(f"expected a JSON object, got {type(row).__name__}")
        missing = [key for key in ("id", "gold", "predicted", "raw") if key not in row]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        keys = (("id", False), ("gold", False), ("predicted", True), ("raw", True), ("dialogue_id", True))
        for key, optional in keys:
            value = row.get(key)
            if not (isinstance(value, str) or (optional and value is None)):
                raise ValueError(f"{key} must be a string{' or null' if optional else ''}, got {value!r}")
        fallback = row.get("fallback", False)
        if not isinstance(fallback, bool):
            raise ValueError(f"fallback must be true or false, got {fallback!r}")
        truncated = row.get("truncated_tokens", 0)
        if isinstance(truncated, bool) or not isinstance(truncated, int) or truncated < 0:
            raise ValueError(f"truncated_tokens must be a whole number >= 0, got {truncated!r}")
        return cls(
            example_id=row["id"], gold=row["gold"], predicted=row["predicted"], raw=row["raw"],
            fallback=fallback, logprobs=_logprobs(row.get("logprobs")), truncated_tokens=truncated,
            dialogue_id=row.get("dialogue_id"),
            extra=frozen_mapping({k: v for k, v in row.items() if k not in _PREDICTION_KEYS}),
        )


def _logprobs(value: Any) -> Mapping[str, float] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(score, (int, float)) and not isinstance(score, bool) for score in value.values()
    ):
        raise ValueError(f"logprobs must map each label to a number, got {value!r}")
    return frozen_mapping({label: float(score) for label, score in value.items()})


Points = tuple[tuple[float, float], ...]  # (optimizer step, value), in step order


@dataclass(frozen=True)
class LossCurve:
    """What a trainer logged in its --out folder: loss per step on train and dev, and a dev metric if it scored one."""

    train: Points
    dev: Points
    dev_metric: tuple[str, Points] | None = None  # (its name, e.g. "weighted F1"; its points)
    title: str = ""


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
    """What a finished run reports; written to results/<run_id>/run.json by `to_json`.

    The counts a reader checks are named: `n` predictions, `n_unparsed` without a label,
    `n_fallback` guessed by the parser, `n_truncated` whose context was cut to fit the model,
    `n_with_description` whose target carries a description; `resumed_from` predictions came
    from an interrupted attempt; `processes` shared the examples (data-parallel run).
    """

    run_id: str
    spec: RunSpec
    scores: Mapping[str, Any]
    n: int
    n_unparsed: int
    plugins: Mapping[str, Any]
    task_info: Mapping[str, Any]
    started: str
    duration_s: float
    n_fallback: int = 0
    n_truncated: int = 0
    n_with_description: int = 0
    resumed_from: int = 0
    answer_mode: str | None = None
    processes: int = 1
    prompt_info: Mapping[str, Any] = field(default_factory=frozen_mapping)
    model_info: Mapping[str, Any] = field(default_factory=frozen_mapping)
    #: what changes answers beyond the spec (data files' and weights' sha256, labels) and its hash
    inputs: Mapping[str, Any] = field(default_factory=frozen_mapping)
    input_key: str = ""
    #: where the time went: model_load_s, prompt_s, model_s, examples_per_s, tokens_computed
    timing: Mapping[str, Any] = field(default_factory=frozen_mapping)
    #: the run whose stored answers this one re-parsed (`ercbench rescore`), without the model
    rescored_from: str | None = None
    #: the order it finished in among the runs of its results folder (1, 2, ...; None before numbering)
    sequence: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
        data["spec"] = self.spec.to_dict()
        if self.rescored_from is None:  # only rescored runs carry it: other run.json files stay as they were
            del data["rescored_from"]
        return data

    @classmethod
    def from_json(cls, data: Any, path: str | Path = RUN_NAME) -> "RunResult":
        """run.json (today's shape: harness.results.compat upgrades older ones) back into a RunResult, validated
        here and only here. Keys it does not know are ignored. DataError naming the file if malformed."""
        _check_run(data, path)
        try:
            spec = RunSpec.from_dict(data["spec"])
        except (TypeError, AttributeError) as exc:
            raise DataError(path, f"spec is not a run spec: {exc}") from None
        known = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        for name in ("scores", "plugins", "task_info", "prompt_info", "model_info", "inputs", "timing"):
            known[name] = frozen_mapping(known.get(name))
        return cls(**{**known, "spec": spec})

    @property
    def labels(self) -> tuple[str, ...]:
        """The task's labels in the order its scores list them (the confusion matrix's)."""
        return tuple(_mapping(self.scores.get("confusion")).get("labels") or ())

    def score(self, metric: str) -> float | None:
        """A recorded score (accuracy, weighted_f1, macro_f1) as a fraction; None when not recorded."""
        value = self.scores.get(metric)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    @property
    def ci(self) -> Mapping[str, Any] | None:
        """The confidence intervals stored with the scores (older runs have none)."""
        stored = self.scores.get("ci")
        return stored if isinstance(stored, Mapping) and stored else None

    def interval(self, metric: str) -> tuple[float, float] | None:
        """A metric's stored 95 % interval (low, high), or None."""
        bounds = (self.ci or {}).get(metric)
        return (bounds[0], bounds[1]) if bounds else None

    def per_label_f1(self) -> dict[str, float]:
        """Each label's F1, in the order the scores list them ({} for runs that recorded none)."""
        return {label: values["f1"] for label, values in _mapping(self.scores.get("per_label")).items()}

    def label_f1(self, label: str) -> float:
        return self.per_label_f1()[label]

    def counts(self) -> dict[str, Any]:
        """The named counts and the timing a report shows, in this order."""
        return {name: _plain(getattr(self, name)) for name in _SHOWN_COUNTS}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


_SHOWN_COUNTS = ("n", "n_unparsed", "n_fallback", "n_truncated", "n_with_description", "resumed_from", "processes",
                 "timing")
_RUN_REQUIRED = {"run_id": str, "spec": dict, "scores": dict, "n": int, "n_unparsed": int, "started": str}
_SPEC_TEXT = ("task", "prompt", "model", "split")
_RUN_COUNTS = ("n", "n_unparsed", "n_fallback", "n_truncated", "n_with_description", "resumed_from")
_RUN_MAPPINGS = ("spec", "scores", "plugins", "task_info", "prompt_info", "model_info")


def _check_run(data: Any, path: str | Path) -> None:
    """DataError unless run.json has what a leaderboard reads, with the types it expects."""
    if not isinstance(data, dict):
        raise DataError(path, f"holds {type(data).__name__}, not a run record")
    missing = [key for key, kind in _RUN_REQUIRED.items() if not isinstance(data.get(key), kind)]
    if not missing:
        missing = [key for key in _SPEC_TEXT if not isinstance(data["spec"].get(key), str)]
        missing += [key for key in ("accuracy", "weighted_f1") if not isinstance(data["scores"].get(key), (int, float))]
    if missing:
        raise DataError(path, f"missing or malformed field(s) {', '.join(missing)}")
    for name in _RUN_COUNTS:
        value = data.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DataError(path, f"{name} must be a whole number >= 0, got {value!r}")
    sequence = data.get("sequence")
    if sequence is not None and (isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1):
        raise DataError(path, f"sequence must be a whole number >= 1, got {sequence!r}")
    for name in _RUN_MAPPINGS:
        if not isinstance(data.get(name) or {}, Mapping):
            raise DataError(path, f"{name} must be a JSON object, got {data[name]!r}")
    for name in ("accuracy", "weighted_f1"):
        if isinstance(data["scores"][name], bool):
            raise DataError(path, f"scores.{name} must be a number, got {data['scores'][name]!r}")


def _plain(value: Any) -> Any:
    """Read-only mappings and tuples -> dicts and lists, for JSON."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
