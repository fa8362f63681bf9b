"""results/<run_id>/{run.json, predictions.jsonl}: atomic writes, resumable runs (harness.results.record reads them)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shlex
import shutil
import sys
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Iterable, Mapping

from harness.errors import ConfigError
from harness.plumbing.atomic import WriteError, write_json_atomic
from harness.results.keys import describe_changes
from harness.results.names import child
from harness.results.sequence import SEQUENCE_FILE, next_sequence, sequence_lock
from harness.types import Prediction, RunResult, RunSpec

RESULTS_ENV = "ERCBENCH_RESULTS"
RUN_FILE = "run.json"
PREDICTIONS_FILE = "predictions.jsonl"
PARTIAL_SUFFIX = ".partial"
INPUTS_FILE = "inputs.json"  # in a partial folder: the spec and input contents it was started with
ATTEMPT_FILE = "attempt.json"  # in a partial folder: plugin settings of the latest attempt that loaded the model
DIGEST_KEY = "digest"  # in run.json: see scores_digest (older run.json files have none)


DEFAULT_ROOT = Path("results")


def results_root(explicit: str | Path | None = None) -> Path:
    return Path(explicit or os.environ.get(RESULTS_ENV) or DEFAULT_ROOT)


def check_hint(root: str | Path, repair: bool = False) -> str:
    """The `ercbench results check` line to run for this folder, naming it unless it is the default."""
    folder = "" if Path(root) == DEFAULT_ROOT else f" --results-dir {shlex.quote(str(root))}"
    return f"`ercbench results check{folder}{' --repair' if repair else ''}`"


def harness_version() -> str:
    try:
        return version("ercbench")
    except PackageNotFoundError:
        return "unknown"


def spec_key(spec: RunSpec) -> str:
    """A short hash of the spec and the ercbench version: a run resumes only into the same code."""
    blob = json.dumps({"spec": spec.to_dict(), "ercbench": harness_version()}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:10]


class PartialRun:
    """A run in progress: results/.<key>.partial/ holding predictions appended as batches finish.

    Only `finish` makes it visible, by renaming the folder to results/<run_id>/ after
    run.json is written; a killed run leaves the hidden partial folder for `--resume`,
    with the inputs it started from, so a resume over changed data or weights is refused.
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

    def start(self, resume: bool, inputs: Mapping[str, Any] | None = None) -> None:
        """Begin (or, with resume, continue) the partial folder; refuses to resume over changed inputs."""
        if self.folder.exists() and not resume:
            shutil.rmtree(self.folder)
        if resume and inputs is not None and self.done_predictions():
            self._check_inputs(inputs)
        created = not self.folder.exists()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if resume:
                self._drop_torn_tail()
            if inputs is not None:
                write_json_atomic(self.folder / INPUTS_FILE, {"spec": self.spec.to_dict(), "inputs": dict(inputs)})
        except BaseException as exc:
            if created:  # never leave an empty folder behind
                shutil.rmtree(self.folder, ignore_errors=True)
            if isinstance(exc, OSError):
                raise WriteError(self.folder, exc) from None
            raise

    def _check_inputs(self, inputs: Mapping[str, Any]) -> None:
        path = self.folder / INPUTS_FILE
        try:
            recorded = json.loads(path.read_text(encoding="utf-8"))["inputs"]
        except (OSError, ValueError, KeyError, TypeError):
            raise ConfigError(
                f"cannot --resume {self.folder}: it records no inputs (older ercbench or damaged); "
                "rerun without --resume to start over"
            ) from None
        changes = describe_changes(recorded, inputs)
        if changes:
            raise ConfigError(
                f"cannot --resume {self.folder}: {'; '.join(changes)}; "
                "rerun without --resume to start over with the new inputs"
            )

    def _drop_torn_tail(self) -> None:
        path = self.folder / PREDICTIONS_FILE
        if path.exists():
            data = path.read_bytes()
            path.write_bytes(data[: data.rfind(b"\n") + 1])

    def adopt(self, others: Iterable["PartialRun"]) -> None:
        """Continue the first of `others` that holds predictions (the same run under an older key) as this one."""
        if self.done_predictions():
            return
        for other in others:
            if other.folder != self.folder and other.done_predictions():
                shutil.rmtree(self.folder, ignore_errors=True)
                try:
                    os.rename(other.folder, self.folder)
                except OSError as exc:
                    raise WriteError(self.folder, exc) from None
                return

    def discard_if_empty(self) -> None:
        if not self.done_predictions():
            shutil.rmtree(self.folder, ignore_errors=True)

    def append(self, predictions: Iterable[Prediction]) -> None:
        path = self.folder / PREDICTIONS_FILE
        try:
            with open(path, "a", encoding="utf-8") as out:
                for prediction in predictions:
                    out.write(json.dumps(prediction.to_json(), ensure_ascii=False) + "\n")
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise WriteError(path, exc) from None

    def record_attempt(self, facts: Mapping[str, Any]) -> None:
        """Plugin settings once the model is loaded, so a resume with nothing left to predict keeps them."""
        write_json_atomic(self.folder / ATTEMPT_FILE, dict(facts))

    def last_attempt(self) -> dict[str, Any]:
        try:
            data = json.loads((self.folder / ATTEMPT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def finish(self, result: RunResult) -> tuple[RunResult, Path]:
        """Number the run (the folder's sequence), write run.json with its digest and publish the folder."""
        try:
            lock = sequence_lock(self.root)
        except OSError as exc:
            raise WriteError(self.root, exc) from None
        with lock:
            try:
                result = replace(result, sequence=next_sequence(self.root))
            except OSError as exc:
                raise WriteError(self.root / SEQUENCE_FILE, exc) from None
            data = json.loads(json.dumps(result_to_json(result)))  # as read back, so the digest is of what is stored
            data[DIGEST_KEY] = scores_digest((self.folder / PREDICTIONS_FILE).read_bytes(), data)
            write_json_atomic(self.folder / RUN_FILE, data)
            for name in (INPUTS_FILE, ATTEMPT_FILE):
                (self.folder / name).unlink(missing_ok=True)
            return result, move_into_place(self.folder, self.root, result.run_id)


def scores_digest(predictions: bytes, run: Mapping[str, Any]) -> str:
    """sha256 over predictions.jsonl and the scores, counts run.json records for them: a reader that finds
    it unchanged may show the scores without recomputing them; an edited score or prediction changes it."""
    recorded = json.dumps({key: run.get(key) for key in ("scores", "n", "n_unparsed")}, sort_keys=True)
    digest = hashlib.sha256(predictions)
    digest.update(b"\0" + recorded.encode())
    return "sha256:" + digest.hexdigest()


def move_into_place(folder: Path, root: Path, run_id: str) -> Path:
    """Rename folder to root/run_id, or run_id.2, .3, ... when a run of that id already exists."""
    for attempt in range(1, 1000):
        name = run_id if attempt == 1 else f"{run_id}.{attempt}"
        final = child(root, name)
        if final.exists():
            continue
        try:
            os.rename(folder, final)
            return final
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                continue
            raise WriteError(final, exc) from None
    raise WriteError(root / run_id, FileExistsError(f"1000 runs named {run_id}"))


def result_to_json(result: RunResult) -> dict[str, Any]:
    return result.to_json()


def read_predictions(folder: Path) -> list[Prediction]:
    """A run's predictions.jsonl, typed; DataError naming file and line on a bad line."""
    path = folder / PREDICTIONS_FILE
    with open(path, encoding="utf-8") as handle:
        return [Prediction.from_line(line, path, number) for number, line in enumerate(handle, 1)]


def warn(line: str) -> None:
    sys.stderr.write(f"warning: {line}\n")


def predictions_match(folder: Path, n: int) -> bool:
    """Cheap soundness check before reuse: exactly n complete lines."""
    try:
        data = (folder / PREDICTIONS_FILE).read_bytes()
    except OSError:
        return False
    return data.count(b"\n") == n and (not data or data.endswith(b"\n"))
