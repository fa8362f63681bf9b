"""Entry-point loading: built-ins come through setup.cfg; failures are loud and named."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from harness import discovery
from harness.errors import PluginError
from harness.hookspecs import hookimpl
from harness.interfaces import Task
from harness.registry import Origin


def test_builtins_come_from_the_ercbench_distribution():
    registry = discovery.default_registry()
    entry = registry.get("tasks", "meld")
    assert entry.origin.distribution == "ercbench"
    assert entry.origin.plugin == "meld"
    assert {"majority", "tfidf-lr"} <= set(registry.names("models"))


def test_a_plugin_that_fails_to_import_is_named(monkeypatch):
    broken = EntryPoint(name="broken", value="no_such_module_xyz", group=discovery.GROUP)
    monkeypatch.setattr(discovery, "entry_points", lambda group: [broken])
    with pytest.raises(PluginError, match="plugin 'broken' .*failed to load.*no_such_module_xyz"):
        discovery.make_plugin_manager()


def test_two_plugins_registering_one_name_are_refused(monkeypatch):
    class Twin(Task):
        name = "meld"

        def splits(self):
            return ()

        def dialogues(self, split):
            return []

    class Extra:
        @hookimpl
        def ercbench_register_tasks(self, register):
            register(Twin)

    manager, origins = discovery.make_plugin_manager(extra_plugins=[(Extra(), Origin("twin", "x", "0"))])
    with pytest.raises(PluginError, match="two plugins register task 'meld'"):
        discovery.build_registry(manager, origins)


def test_blocked_plugin_is_not_loaded():
    manager, origins = discovery.make_plugin_manager(blocked=["classical"])
    registry = discovery.build_registry(manager, origins)
    assert "majority" not in registry.names("models")
    assert "meld" in registry.names("tasks")
