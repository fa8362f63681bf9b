"""How a score was obtained (seeds, checkpoint choice, context, invalid answers): tags, legend and mixing warnings."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, Mapping, Sequence

from harness.run.parsing import INVALID_ANSWERS

UNKNOWN = "unknown"
CHECKPOINTS = ("test", "valid", "none", UNKNOWN)  # none: nothing was chosen on evaluation data
CONTEXTS = ("past", "past+future", UNKNOWN)
COLUMN = "conditions"  # the leaderboard's row-label column, present when published rows are shown
SCORED = "none possible (label scores)"
_TEXT = re.compile(r"seeds=(?P<seeds>[^,]*), checkpoint=(?P<checkpoint>[^,]*), context=(?P<context>[^,]*), "
                   r"invalid=(?P<invalid>.*)")


@dataclass(frozen=True)
class Conditions:
    """Seeds averaged (a count, or 'unknown'), split the checkpoint was chosen on, context shown, invalid answers."""

    seeds: str = UNKNOWN
    checkpoint: str = UNKNOWN
    context: str = UNKNOWN
    invalid: str = UNKNOWN

    def text(self) -> str:
        return f"seeds={self.seeds}, checkpoint={self.checkpoint}, context={self.context}, invalid={self.invalid}"

    @classmethod
    def from_text(cls, text: str) -> "Conditions | None":
        match = _TEXT.fullmatch(text or "")
        return cls(**match.groupdict()) if match else None


def problem(field: str, value: str) -> str | None:
    """Why a value is not allowed in a published row's condition column, or None."""
    if field == "seeds" and not (value == UNKNOWN or (value.isdigit() and int(value) > 0)):
        return f"seeds must be a count of seeds (1, 3, 5, ...) or {UNKNOWN}, got {value!r}"
    allowed = {"checkpoint": CHECKPOINTS, "context": CONTEXTS}.get(field)
    if allowed and value not in allowed:
        return f"{field} must be one of {', '.join(allowed)}, got {value!r}"
    if "," in value and field != "invalid":
        return f"{field} must not contain a comma, got {value!r}"
    return None


def of_run(spec: Mapping[str, Any], answer_mode: str | None, prompt_info: Mapping[str, Any]) -> Conditions:
    """One of our runs: one seed, no checkpoint chosen on evaluation data, the context its prompt
    recorded (a `future` option above 0 shows later turns) and its parser's handling of invalid answers."""
    options = {**prompt_info, **(spec.get("prompt_args") or {})}
    future = str(options.get("future", "0"))
    context = "past+future" if future.isdigit() and int(future) > 0 else "past"
    invalid = SCORED if answer_mode == "score" else INVALID_ANSWERS.get(spec.get("parser", ""), UNKNOWN)
    return Conditions(seeds="1", checkpoint="none", context=context, invalid=invalid)


def markers(texts: Sequence[str]) -> dict[str, str]:
    """A letter per distinct conditions text, in order of first appearance (A, B, ..., then A2, ...)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    distinct = list(dict.fromkeys(t for t in texts if t))
    return {t: letters[i % 26] + (str(i // 26 + 1) if i >= 26 else "") for i, t in enumerate(distinct)}


def mixing_warning(texts: Sequence[str]) -> str:
    """One line naming each condition the rows differ in (unknown values aside), or '' when none does."""
    shown = [c for c in (Conditions.from_text(t) for t in dict.fromkeys(texts)) if c is not None]
    differing = []
    for field in fields(Conditions):
        known = sorted({getattr(c, field.name) for c in shown} - {UNKNOWN})
        if field.name == "checkpoint":  # valid-set choice and no choice compare fairly; the test set does not
            differing += ["checkpoint chosen on test for some rows"] if "test" in known and len(shown) > 1 else []
        elif len(known) > 1:
            values = "/".join(known) if len(known) <= 3 and len("/".join(known)) <= 48 else f"{len(known)} ways"
            differing.append(f"{field.name} {values}")
    if not differing:
        return ""
    return f"warning: mixed conditions ({'; '.join(differing)}): compare like with like, see the conditions legend"
