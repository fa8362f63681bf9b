"""Load the `ercbench` entry-point group into a pluggy manager and a Registry; fail loudly."""

from __future__ import annotations

import functools
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Iterable

import pluggy

from harness import hookspecs
from harness.errors import PluginError
from harness.registry import KINDS, Origin, Registry

GROUP = "ercbench"


def _origin(entry_point: EntryPoint) -> Origin:
    dist = entry_point.dist
    return Origin(
        plugin=entry_point.name,
        distribution=dist.metadata["Name"] if dist else "unknown",
        version=dist.version if dist else "unknown",
    )


def _load(entry_point: EntryPoint) -> object:
    try:
        return entry_point.load()
    except Exception as exc:  # any import failure must stop the run, named
        origin = _origin(entry_point)
        raise PluginError(
            f"plugin {origin.plugin!r} from {origin.distribution} {origin.version} "
            f"failed to load ({entry_point.value}): {type(exc).__name__}: {exc}"
        ) from exc


def make_plugin_manager(
    extra_plugins: Iterable[tuple[object, Origin]] = (),
    blocked: Iterable[str] = (),
) -> tuple[pluggy.PluginManager, dict[str, Origin]]:
    """A PluginManager holding every entry point of the group (minus `blocked`) plus extras."""
    manager = pluggy.PluginManager(GROUP)
    manager.add_hookspecs(hookspecs)
    origins: dict[str, Origin] = {}
    for name in blocked:
        manager.set_blocked(name)
    seen = set()
    for entry_point in sorted(entry_points(group=GROUP), key=lambda ep: ep.name):
        # An editable and a regular install can list one entry point twice.
        key = (entry_point.name, entry_point.value)
        if key in seen or manager.is_blocked(entry_point.name):
            continue
        seen.add(key)
        if manager.has_plugin(entry_point.name):
            raise PluginError(f"two installed plugins are named {entry_point.name!r}")
        manager.register(_load(entry_point), name=entry_point.name)
        origins[entry_point.name] = _origin(entry_point)
    for plugin, origin in extra_plugins:
        manager.register(plugin, name=origin.plugin)
        origins[origin.plugin] = origin
    manager.check_pending()
    return manager, origins


def build_registry(manager: pluggy.PluginManager, origins: dict[str, Origin]) -> Registry:
    """Call every registration hook, one implementation at a time, so each class knows its plugin."""
    registry = Registry()
    for kind in KINDS:
        caller = getattr(manager.hook, f"ercbench_register_{kind}")
        for impl in caller.get_hookimpls():
            origin = origins.get(impl.plugin_name, Origin(impl.plugin_name, "unknown", "unknown"))
            impl.function(register=functools.partial(registry.add, kind, origin=origin))
    return registry


@functools.lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry of everything installed; built once per process."""
    return build_registry(*make_plugin_manager())


def build_commands(manager: pluggy.PluginManager, origins: dict[str, Origin]) -> dict[str, tuple[Any, Origin]]:
    """Call every command hook, one plugin at a time: command name -> (click command, origin)."""
    commands: dict[str, tuple[Any, Origin]] = {}
    for impl in manager.hook.ercbench_register_commands.get_hookimpls():
        origin = origins.get(impl.plugin_name, Origin(impl.plugin_name, "unknown", "unknown"))
        impl.function(register=functools.partial(_add_command, commands, origin=origin))
    return commands


def _add_command(commands: dict[str, tuple[Any, Origin]], command: Any, origin: Origin) -> None:
    name = getattr(command, "name", None)
    if not isinstance(name, str) or not name:
        raise PluginError(f"plugin {origin.plugin!r} registered a command without a name: {command!r}")
    if name in commands:
        raise PluginError(f"two plugins register command {name!r}: {commands[name][1].plugin!r} and {origin.plugin!r}")
    commands[name] = (command, origin)


@functools.lru_cache(maxsize=1)
def default_commands() -> dict[str, tuple[Any, Origin]]:
    """The commands every installed plugin contributes; collected once per process."""
    return build_commands(*make_plugin_manager())


def default_names(kind: str, option: str, registry: Registry) -> list[str]:
    """What the command line uses when no plugin of a kind is named: those marked `default = True`."""
    names = registry.defaults(kind)
    if not names:
        raise PluginError(f"no installed {kind[:-1]} is marked as the default; name one with {option}")
    return names
