"""What every task gets beside its own data: options and transforms applied to its dialogues."""

from __future__ import annotations

from typing import Any, Protocol, Sequence

from harness.data.descriptions import DescriptionOptions, DescriptionSource
from harness.types import Dialogue


class Component(Protocol):
    """One transform of a task's dialogues, turned on by an option every task accepts."""

    #: the key of run.json's task info under which `info()` is recorded
    key: str

    def apply(self, dialogues: Sequence[Dialogue], task: str, split: str) -> list[Dialogue]:
        """The split's dialogues with this component's part added (e.g. descriptions attached)."""
        ...

    def info(self) -> dict[str, Any]:
        """What it applied (file, hash, counts), for run.json."""
        ...


class TaskOptions(DescriptionOptions):
    """The options every task accepts: each component's."""


def components_for(config: TaskOptions) -> tuple[Component, ...]:
    """The components these options turn on, in the order they apply; none by default."""
    return (DescriptionSource(config.descriptions),) if config.descriptions else ()
