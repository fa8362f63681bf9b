"""`ercbench results check/clean`: find damaged runs (recomputing scores), move them aside, list orphaned partials."""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from harness import metrics
from harness.errors import DataError
from harness.results.lock import LOCK_SUFFIX, holder_text, is_held
from harness.results.record import read_finished
from harness.results.store import INPUTS_FILE, PARTIAL_SUFFIX, PREDICTIONS_FILE, RUN_FILE
from harness.types import Prediction, RunResult

QUARANTINE = ".quarantine"  # hidden, so the leaderboard never reads it; nothing in it is deleted
SCORES = ("accuracy", "weighted_f1", "macro_f1")


@dataclass
class Finding:
    folder: Path
    problem: str
    fixable: bool = False  # a torn last line after n complete predictions: cut it, keep the rest


def run_folders(root: Path) -> list[Path]:
    """Visible folders that hold (or should hold) a finished run."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and ((p / RUN_FILE).exists() or (p / PREDICTIONS_FILE).exists()))


def read_rows(path: Path) -> tuple[list[Prediction], bool, str | None]:
    """Complete predictions, whether a torn last line follows them, and the first malformed line."""
    data = path.read_bytes()
    torn = bool(data) and not data.endswith(b"\n")
    rows = []
    for number, line in enumerate(data.split(b"\n")[:-1], 1):
        try:
            rows.append(Prediction.from_line(line.decode("utf-8"), path, number))
        except UnicodeDecodeError:
            return rows, torn, f"{path}:{number}: not valid JSON"
        except DataError as exc:
            return rows, torn, str(exc)
    return rows, torn, None


def score_problem(run: RunResult, rows: list[Prediction]) -> str | None:
    """Recompute the scores from the predictions; name the first that disagrees with run.json."""
    labels = list(run.labels) or sorted({r.gold for r in rows})
    recomputed = metrics.score_predictions(rows, labels)
    for name in SCORES:
        recorded = run.score(name)
        if recorded is not None and not math.isclose(recorded, recomputed[name], abs_tol=1e-9):
            return f"{name} {recorded:.6f} in run.json but {recomputed[name]:.6f} from its predictions"
    unparsed = sum(r.predicted is None for r in rows)
    if unparsed != run.n_unparsed:
        return f"n_unparsed {run.n_unparsed} in run.json but {unparsed} in its predictions"
    return None


def check_run(folder: Path) -> Finding | None:
    """The first problem of one run folder, or None when run.json, predictions and scores agree."""
    try:
        run = read_finished(folder).result
    except DataError as exc:
        return Finding(folder, str(exc))
    path = folder / PREDICTIONS_FILE
    if not path.is_file():
        return Finding(folder, f"{path}: missing")
    rows, torn, bad = read_rows(path)
    if bad:
        return Finding(folder, bad)
    ids = [row.example_id for row in rows]
    if len(set(ids)) != len(ids):
        return Finding(folder, f"{path}: {len(ids) - len(set(ids))} duplicated prediction id(s)")
    if len(rows) != run.n:
        return Finding(folder, f"{path}: {len(rows)} complete predictions for n={run.n} (truncated?)")
    problem = score_problem(run, rows)
    if problem:
        return Finding(folder, f"{folder / RUN_FILE}: {problem}")
    if torn:
        return Finding(folder, f"{path}: torn bytes after the last of its {len(rows)} predictions", fixable=True)
    return None


def check(root: Path) -> list[Finding]:
    return [finding for folder in run_folders(root) if (finding := check_run(folder)) is not None]


def shelf_path(root: Path, name: str) -> Path:
    """A free path in results/.quarantine/ for `name`."""
    shelf = root / QUARANTINE
    shelf.mkdir(exist_ok=True)
    target, number = shelf / name, 1
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    while target.exists():
        number += 1
        target = shelf / f"{name}.{stamp}.{number}"
    return target


def repair(root: Path, finding: Finding) -> str:
    """Fix what is fixable (a copy of the original kept aside); move anything else aside whole."""
    target = shelf_path(root, finding.folder.name)
    if finding.fixable:
        shutil.copytree(finding.folder, target)
        path = finding.folder / PREDICTIONS_FILE
        data = path.read_bytes()
        path.write_bytes(data[: data.rfind(b"\n") + 1])
        return f"repaired {finding.folder}: torn tail cut (original kept in {target})"
    shutil.move(str(finding.folder), str(target))
    (target / "DAMAGED.txt").write_text(finding.problem + "\n", encoding="utf-8")
    return f"moved {finding.folder} to {target}"


@dataclass
class Leftover:
    path: Path
    what: str
    in_use: bool = False


def leftovers(root: Path) -> list[Leftover]:
    """Partial runs and lock files under root; those of a live process are marked in use."""
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.iterdir()):
        if path.name.endswith(PARTIAL_SUFFIX) and path.name.startswith("."):
            lock = root / (path.name[: -len(PARTIAL_SUFFIX)] + LOCK_SUFFIX)
            found.append(Leftover(path, describe_partial(path), in_use=is_held(lock)))
        elif path.name.endswith(LOCK_SUFFIX) and path.name.startswith("."):
            held = is_held(path)
            found.append(Leftover(path, f"lock of {holder_text(path)}" + ("" if held else ", which no longer runs"),
                                  in_use=held))
        elif path.name.startswith(".") and path.name.endswith(".tmp"):
            found.append(Leftover(path, "temporary file of an interrupted write"))
    return found


def describe_partial(folder: Path) -> str:
    try:
        spec = json.loads((folder / INPUTS_FILE).read_text(encoding="utf-8"))["spec"]
        what = f"{spec['task']}/{spec['split']}/{spec['prompt']}/{spec['model']}"
    except (OSError, ValueError, KeyError, TypeError):
        what = "unknown spec"
    try:
        count = (folder / PREDICTIONS_FILE).read_bytes().count(b"\n")
    except OSError:
        count = 0
    return f"partial run of {what} with {count} prediction(s)"


def remove(leftover: Leftover) -> None:
    if leftover.path.is_dir():
        shutil.rmtree(leftover.path)
    else:
        leftover.path.unlink(missing_ok=True)
