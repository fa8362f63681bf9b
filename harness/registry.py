"""Name -> plugin class, per kind; refuses duplicates, suggests near names, records origin."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from harness.errors import PluginError
from harness.schema import Configurable

if TYPE_CHECKING:  # the interfaces import this module
    from harness.interfaces import Describer, Model, PromptStrategy, Task, Trainer

KINDS = ("tasks", "prompts", "models", "trainers", "describers")


@dataclass(frozen=True)
class Origin:
    """Which installed plugin (entry point) and distribution supplied a class."""

    plugin: str
    distribution: str
    version: str


@dataclass(frozen=True)
class Entry:
    """One registered plugin class: its kind ('models'...), name, and the plugin that supplied it."""

    kind: str
    name: str
    cls: type[Configurable]
    origin: Origin


@dataclass
class Registry:
    """All registered plugin classes, by kind and name."""

    entries: dict[str, dict[str, Entry]] = field(
        default_factory=lambda: {kind: {} for kind in KINDS}
    )

    def add(self, kind: str, cls: type[Configurable], origin: Origin) -> None:
        name = getattr(cls, "name", None)
        if not isinstance(name, str) or not name:
            raise PluginError(f"plugin {origin.plugin!r} registered {cls!r} without a name")
        existing = self.entries[kind].get(name)
        if existing is not None:
            raise PluginError(
                f"two plugins register {kind[:-1]} {name!r}: {existing.origin.plugin!r} "
                f"({existing.origin.distribution}) and {origin.plugin!r} ({origin.distribution})"
            )
        self.entries[kind][name] = Entry(kind, name, cls, origin)

    def get(self, kind: str, name: str) -> Entry:
        try:
            return self.entries[kind][name]
        except KeyError:
            raise PluginError(self._unknown_message(kind, name)) from None

    # The class of each kind, typed by its interface (a plugin registers a kind's class under that kind).
    def task(self, name: str) -> type[Task]:
        return cast("type[Task]", self.get("tasks", name).cls)

    def prompt(self, name: str) -> type[PromptStrategy]:
        return cast("type[PromptStrategy]", self.get("prompts", name).cls)

    def model(self, name: str) -> type[Model]:
        return cast("type[Model]", self.get("models", name).cls)

    def trainer(self, name: str) -> type[Trainer]:
        return cast("type[Trainer]", self.get("trainers", name).cls)

    def describer(self, name: str) -> type[Describer]:
        return cast("type[Describer]", self.get("describers", name).cls)

    def names(self, kind: str) -> list[str]:
        return sorted(self.entries[kind])

    def defaults(self, kind: str) -> list[str]:
        """Names of the plugins of a kind whose class itself sets `default = True`."""
        return [name for name in self.names(kind) if vars(self.entries[kind][name].cls).get("default") is True]

    def all(self) -> list[Entry]:
        return [entry for kind in KINDS for _, entry in sorted(self.entries[kind].items())]

    def _unknown_message(self, kind: str, name: str) -> str:
        known = self.names(kind)
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return f"unknown {kind[:-1]} {name!r}{hint} (installed: {', '.join(known) or 'none'})"
