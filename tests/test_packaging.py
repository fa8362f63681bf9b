"""What users install accepts any recent torch; only the test setup pins one, through constraints.txt."""

from __future__ import annotations

import configparser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent


def extras() -> dict[str, list[Requirement]]:
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    section = config["options.extras_require"]
    return {name: [Requirement(line) for line in section[name].strip().splitlines()] for name in section}


def test_extras_accept_any_torch_from_the_oldest_supported_on():
    torches = [req for reqs in extras().values() for req in reqs if req.name == "torch"]
    assert len(torches) == 4  # hf, train, lm-eval, video
    for req in torches:
        assert all(spec.operator == ">=" for spec in req.specifier), req
        assert req.specifier.contains("2.13.0") and req.specifier.contains("99.0")
        assert not req.specifier.contains("2.3.0")


def test_the_test_setup_pins_torch_through_constraints():
    pins = {Requirement(line).name: Requirement(line) for line in (REPO / "constraints.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")}
    [spec] = pins["torch"].specifier
    assert spec.operator == "==" and Version(spec.version) >= Version("2.5")
    assert "PIP_CONSTRAINT = {toxinidir}/constraints.txt" in (REPO / "tox.ini").read_text()
    assert 'PIP_CONSTRAINT="$PWD/constraints.txt"' in (REPO / ".ci" / "run").read_text()
