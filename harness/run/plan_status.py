"""Where each spec of a plan stands in a results folder: done, missing, running, interrupted or damaged."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from harness.errors import DataError
from harness.results.keys import SCORE_PARSER
from harness.results.lock import LOCK_SUFFIX, is_held
from harness.results.record import FinishedRun, read_finished
from harness.results.store import PARTIAL_SUFFIX, RUN_FILE, predictions_match, spec_key
from harness.run.parsing import PARSERS
from harness.run.plan import spec_id
from harness.types import RunSpec

STATES = ("done", "running", "interrupted", "damaged", "missing")


@dataclass
class Folder:
    """The finished runs under a results folder, by spec: the sound ones and the damaged ones."""

    root: Path
    finished: dict[str, list[FinishedRun]] = field(default_factory=dict)
    damaged: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def scan(cls, root: Path) -> "Folder":
        found = cls(root)
        for folder in sorted(root.iterdir()) if root.is_dir() else ():
            if folder.name.startswith(".") or not (folder / RUN_FILE).is_file():
                continue
            try:
                run = read_finished(folder)
            except DataError:
                continue  # no readable spec: `results check` reports it
            key = spec_id(run.spec)
            if predictions_match(folder, run.result.n):
                found.finished.setdefault(key, []).append(run)
            else:
                found.damaged[key] = folder
        return found

    def latest(self, spec: RunSpec) -> FinishedRun | None:
        """The newest finished run of `spec` (by the folder's sequence, then start time); a score-mode run
        is stored under the one parser its identity keeps, whatever parser the plan names."""
        runs = self.finished.get(spec_id(spec)) or [
            run for run in self.finished.get(spec_id(replace(spec, parser=SCORE_PARSER)), [])
            if run.result.answer_mode == "score"]
        return max(runs, key=lambda run: (run.result.sequence or 0, run.result.started)) if runs else None

    def rescorable(self, spec: RunSpec) -> FinishedRun | None:
        """A finished generate-mode run of the same spec but another parser: its answers can be reread."""
        if self.latest(spec) is not None:
            return None
        sources = [run for parser in PARSERS if parser != spec.parser
                   for run in self.finished.get(spec_id(replace(spec, parser=parser)), [])
                   if run.result.answer_mode == "generate"]
        return max(sources, key=lambda run: run.result.started) if sources else None

    def state(self, spec: RunSpec) -> tuple[str, str]:
        """(state, detail): the run folder, the lock's holder, the partial folder or the damaged folder."""
        key = spec_key(spec)
        lock = self.root / f".{key}{LOCK_SUFFIX}"
        if is_held(lock):
            return "running", f"claimed ({lock.name})"
        run = self.latest(spec)
        if run is not None:
            return "done", run.folder.name
        if (self.root / f".{key}{PARTIAL_SUFFIX}").is_dir():
            return "interrupted", f"`plan run` resumes .{key}{PARTIAL_SUFFIX}"
        if spec_id(spec) in self.damaged:
            return "damaged", f"{self.damaged[spec_id(spec)].name} (see `ercbench results check`)"
        source = self.rescorable(spec)
        if source is not None:
            return "missing", f"rescored from {source.run_id} without the model"
        return "missing", ""


def parser_siblings(specs: list[RunSpec]) -> set[str]:
    """The specs (by spec_id) that another spec of the list differs from in its parser alone."""
    by_rest: dict[str, list[RunSpec]] = {}
    for spec in specs:
        by_rest.setdefault(spec_id(replace(spec, parser="")), []).append(spec)
    return {spec_id(spec) for group in by_rest.values() if len(group) > 1 for spec in group}
