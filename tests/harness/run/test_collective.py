"""The collectives of one process are plain calls; a peer's failure reads as one line."""

from __future__ import annotations

import pytest

from harness.run.collective import PeerLost, World, _one_line
from harness.sdk.distributed import World as SdkWorld


def test_one_process_gathers_its_own_value_and_runs_first_work_itself():
    world = World()
    assert world.gather({"a": 1}) == [{"a": 1}]
    assert world.first(lambda: 7) == 7 and world.together(lambda: "x") == "x"
    with pytest.raises(ValueError, match="mine"):
        with world.sharing_failure():
            raise ValueError("mine")


def test_a_lost_peer_is_one_line_without_gloos_source_location():
    lost = PeerLost(3, RuntimeError("[../gloo/transport/tcp/pair.cc:534] Connection closed by peer. More text"))
    assert str(lost).startswith("lost contact with the other 2 process(es) of this run (Connection closed by peer);")
    assert _one_line(RuntimeError("")) == "RuntimeError"


def test_plugins_get_the_same_world_through_the_sdk():
    assert SdkWorld is World
