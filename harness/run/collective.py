"""The processes of one run: their World (a process group over gloo) and the collectives they share."""

from __future__ import annotations

import copyreg
import os
import re
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from types import MappingProxyType
from typing import Any, Callable, ContextManager, Iterator, Mapping, TypeVar

from harness import context
from harness.errors import ConfigError, ErcbenchError
from harness.types import frozen_mapping

T = TypeVar("T")
# One collective waits for the slowest shard: a 7B sweep's shards can differ by hours.
TIMEOUT = timedelta(hours=24)


class PeerFailed(ErcbenchError):
    """Another process of the run failed, so this one stopped too (its predictions are kept)."""


class PeerLost(ErcbenchError):
    """Another process vanished (killed, out of memory) without a word; nothing is tidied up,
    since the others may still be writing."""

    def __init__(self, size: int, problem: BaseException):
        super().__init__(
            f"lost contact with the other {size - 1} process(es) of this run ({_one_line(problem)}); "
            "one was probably killed: the predictions written are kept, rerun with --resume"
        )


class World(context.World):
    """This process's place among the processes of one run, with the collectives its processes share."""

    def join(self) -> None:
        """Join the other processes (gloo over TCP: no GPU needed); each GPU process uses its own device."""
        if self.size == 1:
            return
        import torch
        import torch.distributed as dist

        if torch.cuda.is_available():
            torch.cuda.set_device(self.local_rank % torch.cuda.device_count())
        if dist.is_initialized():
            return
        missing = [name for name in ("MASTER_ADDR", "MASTER_PORT") if not os.environ.get(name)]
        if missing:
            raise ConfigError(
                f"{' and '.join(missing)} not set: start a data-parallel run with "
                "`accelerate launch -m harness.cli run ...` or `ercbench run --processes N`"
            )
        dist.init_process_group("gloo", rank=self.rank, world_size=self.size, timeout=TIMEOUT)

    def gather(self, value: Any) -> list[Any]:
        """Every process's value, in rank order (a collective: every process must call it)."""
        if self.size == 1:
            return [value]
        import torch.distributed as dist

        found: list[Any] = [None] * self.size
        with _picklable_mappings(), self._contact():
            dist.all_gather_object(found, value)
        return found

    @contextmanager
    def _contact(self) -> Iterator[None]:
        """A collective that fails because a peer died is a one-line PeerLost, not gloo's traceback."""
        try:
            yield
        except RuntimeError as exc:  # torch.distributed's errors (DistBackendError, timeouts) are these
            raise PeerLost(self.size, exc) from None

    def together(self, work: Callable[[], T]) -> T:
        """Run `work` here; if it fails in any process, every process stops with a one-line error."""
        with self.sharing_failure():
            value = work()
        return value

    @contextmanager
    def sharing_failure(self) -> Iterator[None]:
        """Run the block here; if it fails in any process, every process stops with a one-line error."""
        if self.size == 1:
            yield
            return
        failure: Exception | None = None
        try:
            yield
        except Exception as exc:  # shared with the others, then raised again below
            failure = exc
        messages = self.gather(None if failure is None else _one_line(failure))
        if failure is not None:
            raise failure
        for rank, message in enumerate(messages):
            if message is not None:
                raise PeerFailed(f"process {rank} of {self.size} failed ({message}); this one stopped too")

    def first(self, work: Callable[[], T]) -> T:
        """Run `work` on rank 0 only while the others wait; every process returns rank 0's value."""
        if self.size == 1:
            return work()
        value, message = None, None
        if self.is_main:
            try:
                value = work()
            except Exception as exc:
                message = _one_line(exc)
                self._broadcast((None, message))
                raise
        value, message = self._broadcast((value, message))
        if message is not None:
            raise PeerFailed(f"process 0 of {self.size} failed ({message})")
        return value

    @contextmanager
    def held_by_main(self, make: Callable[[], ContextManager[Any]]) -> Iterator[None]:
        """Rank 0 alone holds the context made by `make` (a run's claim) around the block."""
        with ExitStack() as stack:
            self.first(lambda: stack.enter_context(make()) and None)
            yield

    def _broadcast(self, value: Any) -> Any:
        import torch.distributed as dist

        box = [value]
        with _picklable_mappings(), self._contact():
            dist.broadcast_object_list(box, src=0)
        return box[0]


class _picklable_mappings:
    """Results hold read-only mappings (MappingProxyType), which pickle refuses: send them as dicts."""

    def __enter__(self) -> None:
        copyreg.pickle(MappingProxyType, _reduce_mapping)

    def __exit__(self, *exc: Any) -> None:
        copyreg.dispatch_table.pop(MappingProxyType, None)


def _reduce_mapping(mapping: Mapping[str, Any]) -> tuple:
    return frozen_mapping, (dict(mapping),)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    # gloo's messages start with a source location and run on: keep the first sentence.
    line = re.sub(r"^\[[^\]]*\]\s*", "", text[0]).split(". ")[0] if text else ""
    return line or type(exc).__name__
