"""Published numbers (harness/report/published/*.csv, percentages) with their conditions; DataError on bad rows."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Mapping

from harness.errors import DataError
from harness.report.conditions import UNKNOWN, Conditions, problem
from harness.report.rows import LeaderboardRow
from harness.results.store import warn

REPORTED_ENV = "ERCBENCH_REPORTED"
COLUMNS = ("paper", "model", "dataset", "shots", "accuracy", "weighted_f1", "source", "note")
# How each number was obtained; a file without these columns reads them as unknown.
CONDITION_COLUMNS = ("seeds", "checkpoint", "context", "invalid")
REQUIRED = ("paper", "model", "dataset", "source")


@dataclass(frozen=True)
class Reported:
    """One paper x model x dataset (x shots) row; scores are fractions (0..1) like measured runs."""

    paper: str
    model: str
    dataset: str
    shots: int | None
    accuracy: float | None
    weighted_f1: float | None
    source: str
    note: str
    file: str
    conditions: Conditions = Conditions()


def reported_dir(explicit: str | Path | None = None) -> Path:
    """The folder given, else $ERCBENCH_REPORTED, else the published/ folder installed with this package."""
    if explicit:
        return Path(explicit)
    if os.environ.get(REPORTED_ENV):
        return Path(os.environ[REPORTED_ENV])
    return Path(__file__).resolve().parent / "published"


def _percent(path: Path, line: int, column: str, value: str) -> float | None:
    if not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise DataError(path, f"{column} is not a number: {value!r}", line) from None
    if not 0 <= number <= 100:
        raise DataError(path, f"{column} must be a percentage between 0 and 100, got {number}", line)
    return number / 100


def _shots(path: Path, line: int, value: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        raise DataError(path, f"shots must be a whole number >= 0 or empty, got {value!r}", line)
    return int(value)


def _conditions(path: Path, line: int, row: Mapping[str, str | None]) -> Conditions:
    values = {column: (row.get(column) or "").strip() or UNKNOWN for column in CONDITION_COLUMNS}
    for column, value in values.items():
        reason = problem(column, value)
        if reason:
            raise DataError(path, reason, line)
    return Conditions(**values)


def parse_row(path: Path, line: int, row: dict[str, str]) -> Reported:
    if None in row or any(row.get(column) is None for column in COLUMNS):
        raise DataError(path, "row has the wrong number of fields", line)
    missing = [column for column in REQUIRED if not row[column].strip()]
    if missing:
        raise DataError(path, f"empty {', '.join(missing)}", line)
    accuracy = _percent(path, line, "accuracy", row["accuracy"])
    weighted_f1 = _percent(path, line, "weighted_f1", row["weighted_f1"])
    if accuracy is None and weighted_f1 is None:
        raise DataError(path, "a reported row needs accuracy or weighted_f1", line)
    return Reported(
        paper=row["paper"].strip(),
        model=row["model"].strip(),
        dataset=row["dataset"].strip().lower(),
        shots=_shots(path, line, row["shots"]),
        accuracy=accuracy,
        weighted_f1=weighted_f1,
        source=row["source"].strip(),
        note=row["note"].strip(),
        file=path.name,
        conditions=_conditions(path, line, row),
    )


def read_reported_file(path: Path) -> list[Reported]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, f"cannot read: {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or ())]
    if missing:
        raise DataError(path, f"missing column(s) {', '.join(missing)}", 1)
    rows = []
    line = reader.line_num
    for row in reader:
        rows.append(parse_row(path, line + 1, row))
        line = reader.line_num
    return rows


def load_reported(folder: str | Path | None = None, on_missing: Callable[[str], None] | None = warn) -> list[Reported]:
    """Every row of every *.csv in the folder, files in name order. A missing folder, or one without
    CSV files, is reported through `on_missing` as one line and gives no rows."""
    root = reported_dir(folder)
    paths = sorted(root.glob("*.csv")) if root.is_dir() else []
    if not paths and on_missing:
        where = f" (${REPORTED_ENV})" if folder is None and os.environ.get(REPORTED_ENV) else ""
        on_missing(f"no published results: {root}{where} {'has no *.csv files' if root.is_dir() else 'does not exist'}")
    return [row for path in paths for row in read_reported_file(path)]


def reported_records(rows: list[Reported]) -> list[dict]:
    """Plain dicts (one per row) with kind='reported', for a leaderboard DataFrame."""
    return [{**asdict(row), "conditions": row.conditions.text(), "kind": "reported"} for row in rows]


def reported_runs(rows: list[Reported], shot_rows: bool = False) -> list[LeaderboardRow]:
    """Reported rows shaped like leaderboard (or, with shot_rows, shots-pivot) rows, marked as
    reported in the prompt and parser columns; a paper's numbers are on its dataset's test split."""
    records = []
    for row in rows:
        if shot_rows and row.shots is None:
            continue
        shots = "" if row.shots is None or shot_rows else f" ({row.shots}-shot)"
        records.append(LeaderboardRow(
            model=row.model, prompt=f"reported: {row.paper}{shots}", parser="reported",
            task=f"{row.dataset}:test", accuracy=row.accuracy, weighted_f1=row.weighted_f1,
            run_id=f"reported/{row.file}", k=None if row.shots is None else f"k={row.shots}", shots=row.shots,
            conditions=row.conditions.text(),
        ))
    return records
