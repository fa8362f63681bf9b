"""LoRA training on several processes (DDP under `accelerate launch`): the batch split, rank-0 writes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.sdk import World as BaseWorld
from harness.sdk.distributed import World
from harness.sdk.files import write_json_atomic
from plugins.training.lora_settings import LoraSettings

WORLD_FILE = "world.json"  # in each checkpoint-N/: how many processes wrote it


@dataclass(frozen=True)
class Layout:
    """How the effective batch is made: world_size x micro_batch_size x accumulation examples."""

    world_size: int
    micro_batch_size: int
    accumulation: int

    @property
    def effective_batch_size(self) -> int:
        return self.world_size * self.micro_batch_size * self.accumulation

    def to_json(self) -> dict[str, int]:
        return {
            "world_size": self.world_size,
            "micro_batch_size": self.micro_batch_size,
            "gradient_accumulation_steps": self.accumulation,
            "effective_batch_size": self.effective_batch_size,
        }


def layout(settings: LoraSettings, world_size: int) -> Layout:
    """The same effective batch (batch_size) on any number of processes: each takes batch_size/N
    examples per step, in micro-batches of at most micro_batch_size (the largest that divides it)."""
    per_process, rest = divmod(settings.batch_size, world_size)
    if rest:
        fits = settings.batch_size - rest
        raise ConfigError(
            f"lora: batch_size {settings.batch_size} cannot be split evenly over {world_size} processes; "
            f"use a multiple of {world_size}, e.g. --train-opt batch_size={fits or world_size}"
        )
    micro = max(size for size in range(1, min(settings.micro_batch_size, per_process) + 1) if per_process % size == 0)
    return Layout(world_size, micro, per_process // micro)


def join(device: str, place: BaseWorld) -> World:
    """This process's place in the run (`place`, the run context's), with the collectives rank 0 uses to prepare
    the folder first; with several processes, DDP's process group is set up here (gloo on CPU, NCCL on GPUs, as
    the Trainer would)."""
    world = World(rank=place.rank, size=place.size, local_rank=place.local_rank)
    if world.size > 1:
        from accelerate import PartialState

        PartialState(cpu=device == "cpu")
    return world


def process_device(device: str, world: World) -> str:
    """Each process of a multi-GPU run loads onto its own GPU."""
    return f"cuda:{world.local_rank}" if device == "cuda" and world.size > 1 else device


def world_callback(plan: Layout) -> Any:
    from transformers import TrainerCallback

    class RecordWorld(TrainerCallback):
        """Writes checkpoint-N/world.json (rank 0): a checkpoint says how many processes trained it."""

        def on_save(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
                write_json_atomic(folder / WORLD_FILE, plan.to_json())

    return RecordWorld()
