"""Data-parallel runs: each process answers whole dialogues into its own shard file; rank 0 merges them."""

from __future__ import annotations

import copy
import copyreg
import json
import os
import re
import shutil
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, ContextManager, Iterator, Mapping, Sequence, TypeVar

from harness import context
from harness.errors import ConfigError, DataError, ErcbenchError
from harness.plumbing.atomic import atomic_file
from harness.results.store import PREDICTIONS_FILE, PartialRun, WriteError
from harness.types import Example, frozen_mapping

T = TypeVar("T")
RANK_FOLDER = "rank-"  # results/.<key>.partial/rank-K/predictions.jsonl: one writer per file
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


def shard(examples: Sequence[Example], rank: int, size: int) -> list[Example]:
    """This rank's examples: whole dialogues (the carried context never spans processes), in
    contiguous blocks of about len/size examples each, in the run's order."""
    if size == 1:
        return list(examples)
    groups: list[list[Example]] = []
    for example in examples:
        key = (example.dialogue.split, example.dialogue.dialogue_id)
        last = groups[-1][0] if groups else None
        if last is not None and (last.dialogue.split, last.dialogue.dialogue_id) == key:
            groups[-1].append(example)
        else:
            groups.append([example])
    mine: list[Example] = []
    start = 0
    for group in groups:
        # A dialogue belongs to the block its middle falls in.
        owner = min(size - 1, int((start + len(group) / 2) * size / len(examples)))
        if owner == rank:
            mine.extend(group)
        start += len(group)
    return mine


def rank_writer(partial: PartialRun, rank: int) -> PartialRun:
    """The same partial run, appending into its own rank-K/ subfolder: no two processes share a file."""
    writer = copy.copy(partial)
    writer.folder = partial.folder / f"{RANK_FOLDER}{rank}"
    writer.folder.mkdir(parents=True, exist_ok=True)
    return writer


def complete_lines(path: Path) -> list[str]:
    """The newline-terminated lines of a file; a torn last line (a killed process) is left out."""
    if not path.is_file():
        return []
    data = path.read_text(encoding="utf-8")
    return data[: data.rfind("\n") + 1].splitlines(keepends=True)


def _line_id(path: Path, number: int, line: str) -> str:
    try:
        return json.loads(line)["id"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise DataError(path, "not a prediction line (JSON with an id); delete the partial folder to restart", number)


def fold_shards(folder: Path) -> int:
    """Append every rank's complete predictions to folder/predictions.jsonl (once per id), then drop
    the rank folders; safe to repeat after a kill at any point. Returns the number of lines moved."""
    shards = sorted(folder.glob(f"{RANK_FOLDER}*/{PREDICTIONS_FILE}"))
    if not shards:
        return 0
    merged = folder / PREDICTIONS_FILE
    kept = complete_lines(merged)
    seen = {_line_id(merged, number, line) for number, line in enumerate(kept, 1)}
    moved = []
    for path in shards:
        for number, line in enumerate(complete_lines(path), 1):
            key = _line_id(path, number, line)
            if key not in seen:
                seen.add(key)
                moved.append(line)
    _write_lines(merged, kept + moved, merged if merged.exists() else shards[0])
    for path in shards:
        shutil.rmtree(path.parent)
    for empty in folder.glob(f"{RANK_FOLDER}*"):
        shutil.rmtree(empty, ignore_errors=True)
    return len(moved)


def kept_count(folder: Path) -> int:
    """How many examples the complete lines of a partial folder answer (merged file and every rank's)."""
    ids: set[str] = set()
    for path in [folder / PREDICTIONS_FILE, *folder.glob(f"{RANK_FOLDER}*/{PREDICTIONS_FILE}")]:
        ids.update(_line_id(path, number, line) for number, line in enumerate(complete_lines(path), 1))
    return len(ids)


def order_predictions(folder: Path, examples: Sequence[Example]) -> None:
    """Rewrite predictions.jsonl in the examples' order: the order a single process writes."""
    path = folder / PREDICTIONS_FILE
    if not path.exists():
        return
    position = {example.example_id: index for index, example in enumerate(examples)}
    lines = complete_lines(path)
    keyed = [(position.get(_line_id(path, n, line), len(position)), n, line) for n, line in enumerate(lines, 1)]
    if keyed != sorted(keyed):  # in order already (one process from the start): no rewrite
        _write_lines(path, [line for _, _, line in sorted(keyed)], path)


def _write_lines(path: Path, lines: Sequence[str], like: Path) -> None:
    """Replace `path` atomically, with the permissions of `like` (the file it replaces, or a sibling)."""
    try:
        with atomic_file(path, permissions=like.stat().st_mode & 0o777) as out:
            out.writelines(lines)
    except OSError as exc:
        raise WriteError(path, exc) from None


def open_partial(partial: PartialRun, resume: bool, inputs: Mapping[str, Any]) -> None:
    """Rank 0's start: fold in what earlier processes wrote (so that the check of the inputs sees
    it), then continue or replace the partial folder."""
    if resume and partial.folder.is_dir():
        fold_shards(partial.folder)
    partial.start(resume, inputs)


def slowest(timings: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The processes ran side by side: each stage took as long as its slowest process."""
    return {key: max(timing.get(key, 0.0) for timing in timings) for key in timings[0]}


def total(counts: Sequence[int | None]) -> int | None:
    """A count over every process; None when no process counts it."""
    known = [count for count in counts if count is not None]
    return sum(known) if known else None
