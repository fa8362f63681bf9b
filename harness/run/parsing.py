"""Completion -> label: scored choices by argmax, generated text by a named parser."""

from __future__ import annotations

import random
import re
from typing import Callable, Mapping

from harness.errors import ConfigError
from harness.types import Completion, Prediction, Prompt, frozen_mapping

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


class FallbackLabel(str):
    """A label a parser guessed (not read from the text); to_prediction records it as a fallback."""


_WORD_EDGE = r"(?<![a-z0-9]){}(?![a-z0-9])"


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insert, delete, substitute all cost 1)."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def _names(answer_map: Mapping[str, str]) -> list[tuple[str, str]]:
    """(normalised name, label) for every choice and label, longest first so 'joyful' beats 'joy'."""
    names = {normalise(choice): label for choice, label in answer_map.items()}
    for label in answer_map.values():
        names.setdefault(normalise(label), label)
    return sorted(((name, label) for name, label in names.items() if name), key=lambda nl: -len(nl[0]))


def parse_lenient(text: str, answer_map: Mapping[str, str], rng: random.Random) -> str | None:
    """The label mentioned first (as a whole word); else the label nearest the first word by edit
    distance, accepted when the distance is at most half the label's length."""
    wanted = normalise(text)
    names = _names(answer_map)
    found = [
        (match.start(), -len(name), label)
        for name, label in names
        for match in [re.search(_WORD_EDGE.format(re.escape(name)), wanted)]
        if match
    ]
    if found:
        return min(found)[2]
    words = re.findall(r"[a-z0-9]+", wanted)
    if not words:
        return None
    distance, _, name, label = min((edit_distance(words[0], name), -len(name), name, label) for name, label in names)
    return label if distance <= len(name) // 2 else None


# The public DialogueLLM evaluation (py/myllama-generate-test.py, keyword list extended with
# the EmoryNLP script's "peaceful", "powerful" and the IEMOCAP script's "excitement",
# "frustration"): the first keyword found anywhere in the answer's first sentence decides,
# through its synonym group. The numeric keywords "1".."6"
# meant different labels in different scripts, so only "0" (neutral in all of them) is kept.
DIALOGUELLM_KEYWORDS = (
    "happy", "happiness", "joy", "fear", "scare", "sad", "sadness", "disgust", "disgusting",
    "hate", "surprise", "anger", "angry", "rage", "neutral", "amazed", "surprising", "amazing",
    "0", "peaceful", "powerful", "excitement", "frustration",
)
# keyword group -> the task label spellings that group stands for (MELD, EmoryNLP, IEMOCAP).
DIALOGUELLM_GROUPS = (
    (("happy", "happiness", "joy", "glad"), ("joy", "joyful", "happy", "happiness", "hap")),
    (("neutral", "neu", "0"), ("neutral", "neu")),
    (("sad", "sadness"), ("sadness", "sad")),
    (("anger", "angry", "rage"), ("anger", "angry", "ang", "mad")),
    (("fear", "scare"), ("fear", "scared", "fearful")),
    (("disgust", "disgusting", "hate"), ("disgust",)),
    (("surprise", "amazing", "amazed", "surprising"), ("surprise",)),
    (("peaceful",), ("peaceful",)),
    (("powerful",), ("powerful",)),
    (("excitement",), ("excited", "excitement", "exc")),
    (("frustration",), ("frustrated", "frustration", "fru")),
)


def _dialoguellm_keyword(text: str) -> str | None:
    response = text.strip().lower().split(".")[0].strip().split("\n")[0].strip()
    return next((keyword for keyword in DIALOGUELLM_KEYWORDS if keyword in response), None)


def parse_dialoguellm(text: str, answer_map: Mapping[str, str], rng: random.Random) -> str | None:
    """The public code's keyword scan; where it fell back to an unseeded random label we draw
    from the per-example generator and mark the label as a fallback."""
    labels = list(dict.fromkeys(answer_map.values()))
    keyword = _dialoguellm_keyword(text)
    if keyword is not None:
        spellings = next(names for keywords, names in DIALOGUELLM_GROUPS if keyword in keywords)
        for label in labels:
            if normalise(label) in spellings:
                return label
    return FallbackLabel(rng.choice(labels))


PARSERS: dict[str, TextParser] = {
    "strict": parse_strict,
    "lenient": parse_lenient,
    "dialoguellm": parse_dialoguellm,
}
# What each parser does with an answer naming no label, in the words published rows use (leaderboard conditions).
INVALID_ANSWERS: dict[str, str] = {
    "strict": "counted wrong",
    "lenient": "nearest label by edit distance, else counted wrong",
    "dialoguellm": "random label (seeded)",
}


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
    extra = dict(completion.meta)
    truncated = extra.pop("truncated_tokens", 0)
    logprobs, fallback = None, False
    raw: str | None
    if completion.choice_logprobs:
        scores = completion.choice_logprobs
        best = max(scores, key=lambda choice: scores[choice])
        predicted = prompt.answer_map.get(best)
        logprobs = frozen_mapping({prompt.answer_map.get(c, c): float(v) for c, v in scores.items()})
        raw = completion.text if completion.text is not None else best
    else:
        raw = completion.text
        predicted = parser(raw, prompt.answer_map, rng) if raw is not None else None
        if isinstance(predicted, FallbackLabel):
            fallback, predicted = True, str(predicted)
    return Prediction(
        example.example_id, example.gold, predicted, raw, fallback=fallback, logprobs=logprobs,
        truncated_tokens=int(truncated), dialogue_id=example.dialogue.dialogue_id, extra=frozen_mapping(extra),
    )
