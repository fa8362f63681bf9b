"""Finding and reading data files: the data root, checksums, decoding with located errors."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence

from harness.errors import ConfigError, DataError
from harness.plumbing.hashing import sha256_file

DATA_ENV = "ERCBENCH_DATA"


def data_root(explicit: str | Path | None) -> Path:
    """The data root: `--data-dir` if given, else $ERCBENCH_DATA; it must exist."""
    chosen = explicit if explicit is not None else os.environ.get(DATA_ENV)
    if not chosen:
        raise ConfigError(f"no data root: pass --data-dir DIR or set {DATA_ENV} (see README, 'Real data')")
    root = Path(chosen).expanduser()
    if not root.is_dir():
        raise DataError(root, "data root does not exist or is not a folder; "
                              f"pass an existing --data-dir DIR or set {DATA_ENV}")
    return root


def require_file(path: Path) -> Path:
    if not path.is_file():
        raise DataError(path, "file not found")
    return path


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """Decode a whole file, reporting the line of the first undecodable byte."""
    raw = require_file(path).read_bytes()
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            path, f"not valid {encoding} (byte 0x{raw[exc.start]:02x}); wrong encoding?", line
        ) from None


class FileLedger:
    """Remembers which files a task read, with sha256, for run.json provenance."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}

    def read_text(self, path: Path, encoding: str = "utf-8") -> str:
        text = read_text(path, encoding)
        self.files[str(path)] = sha256_file(path)
        return text

    def record(self, path: Path) -> None:
        self.files[str(require_file(path))] = sha256_file(path)


def json_object_line(path: Path, number: int, line: str, required: Sequence[str]) -> dict[str, Any]:
    """One JSON Lines record: a JSON object holding every required key, else a located DataError."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not valid JSON: {exc.msg}", number) from None
    except (ValueError, RecursionError) as exc:  # huge integers, absurd nesting
        raise DataError(path, f"not valid JSON: {type(exc).__name__}", number) from None
    if not isinstance(row, dict):
        raise DataError(path, "each line must be a JSON object", number)
    missing = [key for key in required if key not in row]
    if missing:
        raise DataError(path, f"missing key(s) {', '.join(missing)}", number)
    if "\\ud" in line.lower():  # an escaped surrogate: text only when it pairs with the next one
        try:
            json.dumps(row, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise DataError(path, f"a lone surrogate escape ({exc.object[exc.start:exc.end]!r}) is not text", number) \
                from None
    return row
