"""Every name the SDK and its submodules list in `__all__` is there to import."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import harness.sdk

SUBMODULES = sorted(f"harness.sdk.{info.name}" for info in pkgutil.iter_modules(harness.sdk.__path__))


def test_the_sdk_has_its_submodules():
    assert {"harness.sdk.commands", "harness.sdk.data", "harness.sdk.files", "harness.sdk.fingerprint",
            "harness.sdk.metrics", "harness.sdk.options", "harness.sdk.runs"} <= set(SUBMODULES)


@pytest.mark.parametrize("name", ["harness.sdk", *SUBMODULES])
def test_every_listed_name_resolves(name):
    module = importlib.import_module(name)
    listed = getattr(module, "__all__", None)
    assert listed, f"{name} lists no __all__"
    assert len(set(listed)) == len(listed)
    missing = [item for item in listed if not hasattr(module, item)]
    assert missing == []
