"""Declaring a plugin's options: `class Options(Model.Options)` with `option(...)` fields (see harness.schema)."""

from __future__ import annotations

from typing import Iterable

from harness.errors import ConfigError
from harness.schema import Options, OptionSpec, option, word_list
from harness.schema import flag as to_flag

__all__ = ["Options", "OptionSpec", "option", "to_flag", "word_list"]

ON = {"1", "true", "yes", "on"}
OFF = {"0", "false", "no", "off"}


def choice(name: str, value: str, choices: Iterable[str]) -> str:
    allowed = tuple(choices)
    lowered = str(value).strip().lower()
    if lowered not in allowed:
        raise ConfigError(f"option {name} must be one of {', '.join(allowed)}, got {value!r}")
    return lowered


def flag(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ON:
        return True
    if lowered in OFF:
        return False
    raise ConfigError(f"option {name} must be on or off, got {value!r}")


def label_list(name: str, value: str) -> tuple[str, ...]:
    """'a,b,c' -> ('a', 'b', 'c'); empty or repeated labels are refused."""
    labels = tuple(part.strip() for part in value.split(","))
    if not value.strip() or any(not label for label in labels):
        raise ConfigError(f"option {name} must be a comma-separated list of labels, got {value!r}")
    if len(set(labels)) != len(labels):
        raise ConfigError(f"option {name} repeats a label: {value!r}")
    return labels


def count(name: str, value: object) -> int:
    """A whole number >= 0 (k demonstrations, context turns)."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"option {name} must be a whole number, got {value!r}") from None
    if number < 0:
        raise ConfigError(f"option {name} must be >= 0, got {number}")
    return number
