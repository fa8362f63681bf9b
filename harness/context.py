"""What a run hands its plugins: the registry, the seed, this process's place among several, cache and data folders."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping, Self

from harness.errors import ConfigError
from harness.registry import Registry


@dataclass(frozen=True)
class World:
    """This process's place among the processes of one run (from torchrun/accelerate's variables)."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        env = os.environ if env is None else env
        try:
            size = int(env.get("WORLD_SIZE", "1"))
            rank = int(env.get("RANK", "0"))
            local_rank = int(env.get("LOCAL_RANK", str(rank)))
        except ValueError:
            raise ConfigError("RANK, WORLD_SIZE and LOCAL_RANK must be whole numbers (accelerate launch sets them)") \
                from None
        if size < 1 or not 0 <= rank < size:
            raise ConfigError(f"RANK {rank} is not within WORLD_SIZE {size} (set by accelerate launch)")
        return cls(rank=rank, size=size, local_rank=local_rank)

    @property
    def is_main(self) -> bool:
        return self.rank == 0


@dataclass(frozen=True)
class RunContext:
    """Handed to `prepare` and `train`: a plugin looks other plugins up in `registry`, never in a global one."""

    registry: Registry
    seed: int = 0
    world: World = World()
    #: where `prepare` may keep what it fitted (None: keep nothing)
    cache_dir: Path | None = None
    data_dir: Path | None = None

    def with_seed(self, seed: int) -> "RunContext":
        return replace(self, seed=seed)
