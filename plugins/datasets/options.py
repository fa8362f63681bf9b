"""Dataset tasks refuse options they do not know (the value parsers are in harness.sdk.options)."""

from __future__ import annotations

from typing import Iterable, Mapping

from harness.errors import ConfigError
from harness.interfaces import Task


def check_known(task: type[Task], options: Mapping[str, str], known: Iterable[str]) -> None:
    """Refuse options the task does not understand: a typo must not silently change a run."""
    allowed = set(known) | set(task.common_options)
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ConfigError(
            f"task {task.name!r} has no option(s) {', '.join(unknown)} "
            f"(options: {', '.join(sorted(allowed))})"
        )
