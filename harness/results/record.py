"""A finished run as every reader takes it: its RunResult, its folder, its predictions (read once, when asked)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from harness.errors import ConfigError, DataError
from harness.results import compat
from harness.results.sequence import clock_warnings
from harness.results.store import (
    DIGEST_KEY,
    PREDICTIONS_FILE,
    RUN_FILE,
    check_hint,
    predictions_match,
    read_predictions,
    warn,
)
from harness.types import Prediction, RunResult, RunSpec


@dataclass(frozen=True)
class FinishedRun:
    """One finished run folder, read and validated once; `digest`: run.json's hash of its predictions and
    scores (None in older run.json files)."""

    result: RunResult
    folder: Path
    digest: str | None = None
    _predictions: list[Prediction] = field(default_factory=list, compare=False, repr=False)

    @property
    def run_id(self) -> str:
        return self.result.run_id

    @property
    def spec(self) -> RunSpec:
        return self.result.spec

    def predictions(self) -> list[Prediction]:
        """predictions.jsonl, typed, in example order (read on first use)."""
        if not self._predictions:
            self._predictions.extend(read_predictions(self.folder))
        return self._predictions


def read_finished(folder: Path) -> FinishedRun:
    """The run of a folder; a DataError (one line: file, line, problem) when run.json is unreadable or malformed."""
    path = folder / RUN_FILE
    data = read_json(path, folder)
    result = RunResult.from_json(compat.upgrade(data), path)
    digest = data.get(DIGEST_KEY)
    return FinishedRun(result, folder, digest if isinstance(digest, str) else None)


def read_json(path: Path, folder: Path) -> Any:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise DataError(path, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DataError(path, f"not text (binary or damaged); {check_hint(folder.parent, repair=True)} "
                              "moves it aside") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not valid JSON: {exc.msg}", exc.lineno) from None


def iter_finished(root: Path, on_bad: Callable[[str], None] | None = warn) -> Iterator[FinishedRun]:
    """Every finished run under root (hidden partial folders are skipped).

    A damaged run.json, or predictions.jsonl whose line count disagrees with it, is reported
    through `on_bad` as one line and skipped, so one bad folder never hides the good ones; a run
    stamped by a wrong clock is reported there too, once every run is read.
    """
    if not root.is_dir():
        return
    found = []
    for folder in sorted(root.iterdir()):
        if folder.name.startswith(".") or not (folder / RUN_FILE).is_file():
            continue
        try:
            run = read_finished(folder)
        except DataError as exc:
            if on_bad is not None:
                on_bad(f"skipped {exc} (see {check_hint(root)})")
            continue
        if not predictions_match(folder, run.result.n):
            if on_bad is not None:
                on_bad(f"skipped {folder / PREDICTIONS_FILE}: not {run.result.n} whole lines as run.json says "
                       f"(truncated or edited; see {check_hint(root)})")
            continue
        found.append(run)
        yield run
    if on_bad is not None:
        for line in clock_warnings(found):
            on_bad(line)


def find_finished(root: Path, spec: RunSpec, key: str) -> FinishedRun | None:
    """The newest sound finished run of this spec whose input key matches, if any."""
    if not root.is_dir():
        return None
    candidates = sorted(
        (p for p in root.iterdir() if not p.name.startswith(".") and key in p.name), reverse=True
    )
    for folder in candidates:
        try:
            run = read_finished(folder)
        except DataError:
            continue
        if run.result.input_key == key and run.spec == spec and predictions_match(folder, run.result.n):
            return run
    return None


def resolve(ref: str, root: Path) -> FinishedRun:
    """A finished run from a path, a run id under root, or a unique part of a run id."""
    for folder in (Path(ref), root / ref):
        if (folder / RUN_FILE).is_file():
            return read_finished(folder)
    matches = [run for run in iter_finished(root) if ref in run.run_id]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ConfigError(f"no finished run {ref!r} under {root}; pass a run folder or a run id")
    names = ", ".join(run.folder.name for run in matches[:3]) + (", ..." if len(matches) > 3 else "")
    raise ConfigError(f"{ref!r} matches {len(matches)} runs under {root} ({names}): give more of the id")
