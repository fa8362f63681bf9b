"""Completion -> label: scored choices by argmax, generated text by a named parser."""

from __future__ import annotations

import random
import re
from typing import Callable, Mapping

from harness.errors import ConfigError
from harness.types import Completion, Prediction, Prompt

# A parser maps (answer text, {choice: label}, rng) to a label, or None when unparseable.
TextParser = Callable[[str, Mapping[str, str], random.Random], "str | None"]

_SPACE = re.compile(r"\s+")
_EDGE_PUNCT = re.compile(r"^[\s\"'`.,:;!?()\[\]{}<>*#-]+|[\s\"'`.,:;!?()\[\]{}<>*#-]+$")


def normalise(text: str) -> str:
    """Lower-case, collapse spaces, strip surrounding punctuation and quotes."""
    return _EDGE_PUNCT.sub("", _SPACE.sub(" ", text.strip().lower()))


def parse_strict(text: str, answer_map: Mapping[str, str], rng: random.Random) -> str | None:
    """The whole answer, normalised, must equal one choice."""
    wanted = normalise(text)
    for choice, label in answer_map.items():
        if normalise(choice) == wanted:
            return label
    return None


PARSERS: dict[str, TextParser] = {"strict": parse_strict}


def parser_names() -> list[str]:
    return sorted(PARSERS)


def get_parser(name: str) -> TextParser:
    try:
        return PARSERS[name]
    except KeyError:
        raise ConfigError(f"unknown parser {name!r} (known: {', '.join(parser_names())})") from None


def to_prediction(
    prompt: Prompt, completion: Completion, parser: TextParser, rng: random.Random
) -> Prediction:
    """Read a completion: scores win over text (argmax cannot be unparseable)."""
    example = prompt.example
    extra: dict = dict(completion.meta)
    if completion.choice_logprobs:
        scores = completion.choice_logprobs
        best = max(scores, key=lambda choice: scores[choice])
        predicted = prompt.answer_map.get(best)
        extra["logprobs"] = {prompt.answer_map.get(c, c): float(v) for c, v in scores.items()}
        raw = completion.text if completion.text is not None else best
    else:
        raw = completion.text
        predicted = parser(raw, prompt.answer_map, rng) if raw is not None else None
    return Prediction(example.example_id, example.gold, predicted, raw, extra)
