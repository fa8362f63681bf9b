"""The descriptions file being written: appended per clip to FILE.partial, resumable, renamed into place when done."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import IO, Any, Mapping

from harness.data.descriptions import provenance_path
from harness.errors import ConfigError, DataError
from harness.results.store import write_json_atomic

Key = tuple[str, str, int]  # (split, dialogue_id, utt_index)
# What must be equal for a partial (or finished) file to be continued by this command.
IDENTITY = ("task", "describer", "options", "fingerprint")
# Options that say where and how fast, not what: a resume may change them.
RUNTIME_OPTIONS = ("batch_size", "device")


def _identity(provenance: Mapping[str, Any]) -> dict[str, Any]:
    identity = {name: provenance.get(name) for name in IDENTITY}
    if isinstance(identity["options"], dict):
        identity["options"] = {k: v for k, v in identity["options"].items() if k not in RUNTIME_OPTIONS}
    return identity


def _differs(old: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    """What keeps a file from being continued by a command with these settings (None: nothing)."""
    old, new = _identity(old), _identity(new)
    for name in IDENTITY:
        if old.get(name) != new.get(name):
            if isinstance(old.get(name), dict) and isinstance(new.get(name), dict):
                keys = sorted(k for k in set(old[name]) | set(new[name]) if old[name].get(k) != new[name].get(k))
                return f"{name} {', '.join(keys)}"
            return name
    return None


def _read_entries(path: Path) -> dict[Key, dict]:
    """Entries written so far; a last line cut short by a kill is dropped from the file (it is redone)."""
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    if len(complete) != len(data):
        with open(path, "r+b") as handle:
            handle.truncate(len(complete))
    entries = {}
    for number, line in enumerate(complete.decode("utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
            entries[(row["split"], row["dialogue_id"], row["utt_index"])] = row
        except (ValueError, KeyError, TypeError):
            raise DataError(
                path, "not a descriptions line written by ercbench describe; move the file away", number
            ) from None
    return entries


class DescriptionsFile:
    """FILE.partial (with its provenance sidecar) while working; FILE and FILE.provenance.json when done."""

    def __init__(self, out: Path, provenance: Mapping[str, Any]):
        self.out = out
        self.partial = out.with_name(out.name + ".partial")
        self.provenance = dict(provenance)
        self.entries: dict[Key, dict] = {}
        self._handle: IO[str] | None = None

    def _check(self, existing: Path, what: str) -> None:
        sidecar = provenance_path(existing)
        try:
            old = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise ConfigError(f"describe: {existing} exists without a readable {sidecar.name}; move it away or "
                              f"choose another --out") from None
        changed = _differs(old, self.provenance)
        if changed:
            raise ConfigError(f"describe: {existing} is {what} made with other settings ({changed} differ); use the "
                              f"same settings to continue it, or choose another --out")

    def open(self) -> dict[Key, dict]:
        """Continue FILE.partial, else extend a finished FILE, else start; returns the entries already there."""
        self.out.parent.mkdir(parents=True, exist_ok=True)
        if self.partial.exists():
            self._check(self.partial, "a partial descriptions file")
        elif self.out.exists():
            self._check(self.out, "a descriptions file")
            shutil.copyfile(self.out, self.partial)
            write_json_atomic(provenance_path(self.partial), self.provenance)
        else:
            write_json_atomic(provenance_path(self.partial), self.provenance)
            self.partial.touch()
        self.entries = _read_entries(self.partial)
        self._handle = open(self.partial, "a", encoding="utf-8")
        return self.entries

    def add(self, entry: dict) -> None:
        """One finished clip: on disk (flushed) before the next one starts."""
        assert self._handle is not None
        self._handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._handle.flush()
        self.entries[(entry["split"], entry["dialogue_id"], entry["utt_index"])] = entry

    def sync(self) -> None:
        if self._handle is not None:
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        if self._handle is not None:
            self.sync()
            self._handle.close()
            self._handle = None

    def finish(self, counts: Mapping[str, int]) -> None:
        """Provenance next to FILE, then FILE itself, each replaced atomically; the partial's sidecar goes."""
        self.close()
        write_json_atomic(provenance_path(self.out), {**self.provenance, "counts": dict(counts)})
        os.replace(self.partial, self.out)
        provenance_path(self.partial).unlink(missing_ok=True)
