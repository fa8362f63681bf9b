"""The registry refuses duplicate names and suggests near names for unknown ones."""

from __future__ import annotations

import pytest

from harness.errors import PluginError
from harness.registry import Origin, Registry


class Alpha:
    name = "alpha"


class AlphaAgain:
    name = "alpha"


ORIGIN_A = Origin("one", "dist-one", "1.0")
ORIGIN_B = Origin("two", "dist-two", "2.0")


def test_add_and_get_records_origin():
    registry = Registry()
    registry.add("tasks", Alpha, ORIGIN_A)
    entry = registry.get("tasks", "alpha")
    assert entry.cls is Alpha and entry.origin == ORIGIN_A


def test_duplicate_name_names_both_plugins():
    registry = Registry()
    registry.add("models", Alpha, ORIGIN_A)
    with pytest.raises(PluginError, match="'one' .*'two'"):
        registry.add("models", AlphaAgain, ORIGIN_B)


def test_same_name_in_two_kinds_is_fine():
    registry = Registry()
    registry.add("models", Alpha, ORIGIN_A)
    registry.add("tasks", AlphaAgain, ORIGIN_B)
    assert registry.names("models") == registry.names("tasks") == ["alpha"]


def test_unknown_name_suggests_close_ones():
    registry = Registry()
    registry.add("tasks", Alpha, ORIGIN_A)
    with pytest.raises(PluginError, match="did you mean alpha"):
        registry.get("tasks", "alpah")


def test_class_without_name_is_refused():
    registry = Registry()
    with pytest.raises(PluginError, match="without a name"):
        registry.add("tasks", type("Nameless", (), {}), ORIGIN_A)
