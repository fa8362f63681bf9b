"""One ercbench invocation builds its registry and reads its world once; the library gets them as parameters."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from click.testing import CliRunner

from harness import discovery
from harness.cli import main
from harness.cli.session import Session, current
from harness.context import World


@pytest.fixture
def counted(monkeypatch):
    """How often the installed plugins were collected and the launcher's environment read."""
    calls = {"registry": 0, "world": 0}
    real_registry, real_world = discovery.default_registry, World.from_env.__func__

    def registry():
        calls["registry"] += 1
        return real_registry()

    def world(cls, env=None):
        calls["world"] += 1
        return real_world(cls, env)

    monkeypatch.setattr(discovery, "default_registry", registry)
    monkeypatch.setattr(World, "from_env", classmethod(world))
    return calls


def test_a_run_builds_one_registry_and_reads_the_world_once(counted, tmp_path):
    # `run` looks plugins up for its flags, its spec check, the run itself and whether it is rank 0.
    result = CliRunner().invoke(main, ["run", "-t", "sample", "-p", "zero-shot", "-m", "majority",
                                       "--results-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert counted == {"registry": 1, "world": 1}


def test_a_command_needing_no_plugins_loads_none(counted, tmp_path):
    result = CliRunner().invoke(main, ["leaderboard", "--results-dir", str(tmp_path / "none")])
    assert result.exit_code == 1 and "no such folder" in result.output
    assert counted == {"registry": 0, "world": 0}


def test_each_invocation_has_its_own_session(counted, tmp_path):
    for _ in range(2):
        assert CliRunner().invoke(main, ["list", "models"]).exit_code == 0
    assert counted["registry"] == 2


def test_the_context_carries_the_session_and_what_the_command_adds(tmp_path):
    session = Session(discovery.default_registry(), World(rank=1, size=2, local_rank=1))
    context = session.context(seed=3, data_dir=tmp_path, cache_dir=tmp_path / "cache")
    assert (context.registry, context.world, context.seed) == (session.registry, session.world, 3)
    assert (context.data_dir, context.cache_dir) == (tmp_path, tmp_path / "cache")
    with pytest.raises(FrozenInstanceError):  # a plugin cannot change what the next one gets
        context.seed = 4  # type: ignore[misc]


def test_outside_a_command_there_is_no_session():
    with pytest.raises(RuntimeError, match="no ercbench command is running"):
        current()
