"""CSV files with a header (MELD, the EmoryNLP multimodal subset): rows with their line numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from harness.errors import DataError


def read_csv_rows(path: Path, text: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; the header must hold every column we read."""
    columns = tuple(dict.fromkeys(columns))  # a label column may also be among the common ones
    if not text.strip():
        raise DataError(path, f"the file is empty; expected a CSV header with {', '.join(columns)} and data rows")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        missing = [column for column in columns if column not in (reader.fieldnames or ())]
        if missing:
            raise DataError(path, f"missing column(s) {', '.join(missing)}", 1)
        rows = []
        line = reader.line_num
        for row in reader:
            if None in row or any(row[column] is None for column in columns):
                raise DataError(path, "row has the wrong number of fields", line + 1)
            rows.append((line + 1, row))
            line = reader.line_num
    except csv.Error as exc:
        raise DataError(path, f"not valid CSV: {exc}", reader.line_num) from None
    return rows


def csv_int(path: Path, line: int, column: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise DataError(path, f"{column} is not an integer: {value[:40]!r}", line) from None
