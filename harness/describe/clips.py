"""Which clip shows each utterance: the task's own video layout, or a `--map` CSV (utterance, clip, start, end)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from harness.data.files import read_text
from harness.errors import ConfigError, DataError
from harness.interfaces import Clip, Task

MAP_COLUMNS = ("utterance", "clip")
MAP_HELP = "a --map CSV with columns utterance,clip[,start,end] (utterance as SPLIT/DIALOGUE_ID/UTT_INDEX)"


@dataclass(frozen=True)
class Job:
    """One utterance to describe, in the descriptions file's key, and its clip."""

    split: str
    dialogue_id: str
    utt_index: int
    clip: Clip

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.split, self.dialogue_id, self.utt_index)

    @property
    def utterance(self) -> str:
        return f"{self.split}/{self.dialogue_id}/{self.utt_index}"


def utterance_keys(task: Task, split: str) -> list[tuple[str, int]]:
    """(dialogue_id, utterance index) of every utterance of a split, in order."""
    return [(d.dialogue_id, u.index) for d in task.dialogues(split) for u in d.utterances]


def from_task(task: Task, splits: Sequence[str], videos: Path | None) -> list[Job]:
    """Every utterance of these splits with the clip the task's own layout names."""
    if videos is None:
        raise ConfigError(f"describe: give --videos DIR (where the {task.name} videos are) or {MAP_HELP}")
    if not videos.is_dir():
        raise ConfigError(f"describe: --videos {videos}: no such folder")
    jobs = []
    for split in splits:
        clips = task.video_clips(split, videos)
        if clips is None:
            raise ConfigError(f"describe: task {task.name!r} does not know where its videos are; give {MAP_HELP}")
        jobs += [Job(split, dialogue_id, index, clips[(dialogue_id, index)])
                 for dialogue_id, index in utterance_keys(task, split) if (dialogue_id, index) in clips]
    return jobs


def _seconds(path: Path, line: int, name: str, value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise DataError(path, f"{name} must be a number of seconds, got {value!r}", line) from None
    if not seconds >= 0:
        raise DataError(path, f"{name} must be 0 or more seconds, got {value!r}", line)
    return seconds


def _map_row(path: Path, line: int, row: dict, base: Path, known: dict[str, set]) -> Job:
    utterance = (row.get("utterance") or "").strip()
    split, _, rest = utterance.partition("/")
    dialogue_id, _, index = rest.rpartition("/")
    if split not in known or not index.isdigit() or (dialogue_id, int(index)) not in known[split]:
        raise DataError(path, f"utterance {utterance!r} is not SPLIT/DIALOGUE_ID/UTT_INDEX of an utterance of the "
                              f"task (splits: {', '.join(known)})", line)
    clip = (row.get("clip") or "").strip()
    if not clip:
        raise DataError(path, "empty clip path", line)
    start, end = _seconds(path, line, "start", row.get("start")), _seconds(path, line, "end", row.get("end"))
    if start is not None and end is not None and end <= start:
        raise DataError(path, f"end ({end}) must come after start ({start})", line)
    return Job(split, dialogue_id, int(index), Clip(base / Path(clip).expanduser(), start, end))


def from_map(task: Task, splits: Sequence[str], csv_path: Path, videos: Path | None) -> list[Job]:
    """The jobs a --map CSV lists, in its order; relative clip paths are under --videos, else the CSV's folder."""
    text = read_text(csv_path)
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in MAP_COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        raise DataError(csv_path, f"missing column(s) {', '.join(missing)}; expected {MAP_HELP}", 1)
    known = {split: set(utterance_keys(task, split)) for split in splits}
    base = videos if videos is not None else csv_path.parent
    jobs, seen = [], set()
    for line, row in enumerate(reader, 2):
        job = _map_row(csv_path, line, row, base, known)
        if job.key in seen:
            raise DataError(csv_path, f"utterance {job.utterance} is listed twice", line)
        seen.add(job.key)
        jobs.append(job)
    return jobs
