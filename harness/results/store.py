"""results/<run_id>/{run.json, predictions.jsonl}: atomic writes, resumable runs, loading."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Iterable, Iterator

from harness.errors import DataError
from harness.types import Prediction, RunResult, RunSpec

RESULTS_ENV = "ERCBENCH_RESULTS"
RUN_FILE = "run.json"
PREDICTIONS_FILE = "predictions.jsonl"
PARTIAL_SUFFIX = ".partial"


def results_root(explicit: str | Path | None = None) -> Path:
    return Path(explicit or os.environ.get(RESULTS_ENV) or "results")


def harness_version() -> str:
    try:
        return version("ercbench")
    except PackageNotFoundError:
        return "unknown"


def spec_key(spec: RunSpec) -> str:
    """A short hash of the spec and the ercbench version: a run resumes only into the same code."""
    blob = json.dumps({"spec": spec.to_dict(), "ercbench": harness_version()}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:10]


def write_json_atomic(path: Path, data: Any) -> None:
    """Write to a temp file in the same folder, fsync, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, ensure_ascii=False, sort_keys=True)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class PartialRun:
    """A run in progress: results/.<key>.partial/ holding predictions appended as batches finish.

    Only `finish` makes it visible, by renaming the folder to results/<run_id>/ after
    run.json is written; a killed run leaves the hidden partial folder for `--resume`.
    """

    def __init__(self, root: Path, spec: RunSpec):
        self.root = root
        self.spec = spec
        self.folder = root / f".{spec_key(spec)}{PARTIAL_SUFFIX}"

    def done_predictions(self) -> dict[str, Prediction]:
        """Predictions already written by an earlier, interrupted attempt (complete lines only)."""
        path = self.folder / PREDICTIONS_FILE
        if not path.exists():
            return {}
        done = {}
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.endswith("\n"):
                    break  # a torn last line from a kill: redo that example
                prediction = Prediction.from_line(line, path, number)
                done[prediction.example_id] = prediction
        return done

    def start(self, resume: bool) -> None:
        if self.folder.exists() and not resume:
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        if resume:
            self._drop_torn_tail()

    def _drop_torn_tail(self) -> None:
        path = self.folder / PREDICTIONS_FILE
        if path.exists():
            data = path.read_bytes()
            path.write_bytes(data[: data.rfind(b"\n") + 1])

    def discard_if_empty(self) -> None:
        if not self.done_predictions():
            shutil.rmtree(self.folder, ignore_errors=True)

    def append(self, predictions: Iterable[Prediction]) -> None:
        with open(self.folder / PREDICTIONS_FILE, "a", encoding="utf-8") as out:
            for prediction in predictions:
                out.write(json.dumps(prediction.to_json(), ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())

    def finish(self, result: RunResult) -> Path:
        write_json_atomic(self.folder / RUN_FILE, result_to_json(result))
        final = self.root / result.run_id
        os.replace(self.folder, final)
        return final


def result_to_json(result: RunResult) -> dict[str, Any]:
    return result.to_json()


def read_run(folder: Path) -> dict[str, Any]:
    path = folder / RUN_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not valid JSON: {exc.msg}", exc.lineno) from None


def read_predictions(folder: Path) -> list[Prediction]:
    """A run's predictions.jsonl, typed; DataError naming file and line on a bad line."""
    path = folder / PREDICTIONS_FILE
    with open(path, encoding="utf-8") as handle:
        return [Prediction.from_line(line, path, number) for number, line in enumerate(handle, 1)]


def load_result(folder: Path) -> RunResult:
    """A finished run's run.json as a RunResult (older run.json shapes read too)."""
    return RunResult.from_json(read_run(folder), folder / RUN_FILE)


def iter_runs(root: Path) -> Iterator[dict[str, Any]]:
    """Every finished run under root (hidden partial folders are skipped)."""
    if not root.is_dir():
        return
    for folder in sorted(root.iterdir()):
        if folder.name.startswith(".") or not (folder / RUN_FILE).is_file():
            continue
        run = read_run(folder)
        run["folder"] = str(folder)
        yield run
