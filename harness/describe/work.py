"""Describe every job's clip in batches, one appended line per clip; unreadable clips are recorded, never fatal."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

from harness.describe.clips import Job
from harness.describe.store import DescriptionsFile
from harness.errors import ClipError
from harness.interfaces import Clip, Describer, Task
from harness.registry import Origin
from harness.results.store import harness_version

Progress = Callable[[int, int], None]
NO_TEXT = "the describer returned no text"


@dataclass
class Summary:
    """What one `ercbench describe` did: counts, and each clip that got no description with why."""

    described: int = 0
    before: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)


def provenance(task: Task, describer: Describer, origin: Origin) -> dict[str, Any]:
    """How the descriptions are made: what a run using the file records, and what a resume must match."""
    options = describer.info()
    return {
        "task": task.name, "describer": describer.name, "options": options,
        "plugin": {"name": origin.plugin, "distribution": origin.distribution, "version": origin.version},
        "model": options.get("target"), "fingerprint": describer.fingerprint(),
        "prompt": options.get("prompt"), "frames_per_clip": options.get("frames"), "seed": options.get("seed"),
        "libraries": {"python": platform.python_version(), **describer.libraries()},
        "ercbench": harness_version(), "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def clip_problem(clip: Clip) -> str | None:
    """Why a clip cannot even be opened (missing, empty), before the describer tries it."""
    try:
        size = clip.path.stat().st_size
    except FileNotFoundError:
        return f"{clip.path}: no such file"
    except OSError as exc:
        return f"{clip.path}: {exc.strerror or type(exc).__name__}"
    if not clip.path.is_file():
        return f"{clip.path}: not a file"
    return f"{clip.path}: empty file (0 bytes)" if size == 0 else None


def entry(task: str, job: Job, text: str | None, problem: str | None) -> dict[str, Any]:
    """One line of the descriptions file; a clip without a description has `description: null` and why."""
    row: dict[str, Any] = {"task": task, "split": job.split, "dialogue_id": job.dialogue_id,
                           "utt_index": job.utt_index, "description": text, "clip": str(job.clip.path)}
    if job.clip.start is not None or job.clip.end is not None:
        row.update(start=job.clip.start, end=job.clip.end)
    if problem:
        row["problem"] = problem
    return row


class Describing:
    """The loop: read each clip of a batch (recording failures), describe the readable ones, append, sync."""

    def __init__(self, task: Task, describer: Describer, store: DescriptionsFile):
        self.task, self.describer, self.store = task, describer, store
        self.summary = Summary()
        self._prepared = False

    def _record(self, job: Job, text: str | None, problem: str | None) -> None:
        self.store.add(entry(self.task.name, job, text, problem))
        if text is None:
            self.summary.problems.append((job.utterance, problem or NO_TEXT))
        else:
            self.summary.described += 1

    def batch(self, jobs: Sequence[Job]) -> None:
        inputs, ready = [], []
        for job in jobs:
            problem = clip_problem(job.clip)
            if problem is None:
                try:
                    inputs.append(self.describer.read(job.clip))
                    ready.append(job)
                    continue
                except ClipError as exc:
                    problem = str(exc)
            self._record(job, None, problem)
        if ready:
            if not self._prepared:  # no weights are loaded for a collection of missing clips
                self.describer.prepare()
                self._prepared = True
            for job, text in zip(ready, self.describer.describe(inputs), strict=True):
                text = text.strip() if isinstance(text, str) else ""
                self._record(job, text or None, None if text else NO_TEXT)
        self.store.sync()

    def run(self, jobs: Sequence[Job], progress: Progress | None = None) -> Summary:
        done = self.store.open()
        todo = [job for job in jobs if job.key not in done]
        self.summary.before = len(jobs) - len(todo)
        size = max(1, self.describer.batch_size)
        try:
            for start in range(0, len(todo), size):
                self.batch(todo[start:start + size])
                if progress:
                    progress(self.summary.before + start + len(todo[start:start + size]), len(jobs))
        finally:
            self.store.close()
        rows = list(self.store.entries.values())  # the whole file, lines of earlier larger runs too
        described = sum(row.get("description") is not None for row in rows)
        self.store.finish({"entries": len(rows), "described": described, "no_description": len(rows) - described})
        return self.summary
