"""Supplementary knowledge: per-utterance descriptions from a JSONL keyed by (task, split, dialogue_id, utt_index)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

from harness.data.files import json_object_line, read_text, sha256_file
from harness.errors import DataError
from harness.schema import Options, option
from harness.types import Dialogue

KEYS = ("task", "split", "dialogue_id", "utt_index", "description")

# (task, split, dialogue_id, utterance index) -> description text
DescriptionKey = tuple[str, str, str, int]


def provenance_path(path: Path) -> Path:
    """The sidecar `ercbench describe` writes next to a descriptions file: how it was made."""
    return path.with_name(path.name + ".provenance.json")


def _parse_line(path: Path, number: int, line: str) -> tuple[DescriptionKey, str | None]:
    row = json_object_line(path, number, line, KEYS)
    index = row["utt_index"]
    if not isinstance(index, int) or isinstance(index, bool):
        raise DataError(path, f"utt_index must be an integer, got {index!r}", number)
    dialogue_id = row["dialogue_id"]
    if isinstance(dialogue_id, int) and not isinstance(dialogue_id, bool):
        dialogue_id = str(dialogue_id)  # MELD ids are numbers in many copies
    fields = {"task": row["task"], "split": row["split"], "dialogue_id": dialogue_id}
    if row["description"] is not None:  # null: a clip that could not be described, recorded as such
        fields["description"] = row["description"]
    for key, value in fields.items():
        if not isinstance(value, str):
            raise DataError(path, f"{key} must be a string, got {value!r}", number)
    return (row["task"], row["split"], dialogue_id, index), row["description"]


def read_descriptions(path: Path) -> tuple[dict[DescriptionKey, str], int]:
    """Every description in the file, and how many lines record none (null); a key given twice is an error."""
    table: dict[DescriptionKey, str | None] = {}
    for number, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        key, text = _parse_line(path, number, line)
        if key in table:
            raise DataError(path, f"duplicate description for {key}", number)
        table[key] = text
    described = {key: text for key, text in table.items() if text is not None}
    return described, len(table) - len(described)


def load_descriptions(path: Path) -> dict[DescriptionKey, str]:
    """Every description in the file (lines recording none are left out)."""
    return read_descriptions(path)[0]


def read_provenance(path: Path) -> dict | str | None:
    """The provenance sidecar of a descriptions file, if there is one (a one-line problem if unreadable)."""
    sidecar = provenance_path(path)
    if not sidecar.is_file():
        return None
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"{sidecar}: unreadable ({type(exc).__name__})"
    return data if isinstance(data, dict) else f"{sidecar}: not a JSON object"


def attach_descriptions(
    dialogues: Sequence[Dialogue], table: Mapping[DescriptionKey, str], task: str
) -> list[Dialogue]:
    """Copies of the dialogues whose utterances carry the matching descriptions."""
    described = []
    for dialogue in dialogues:
        utterances = tuple(
            dataclasses.replace(u, description=table[key])
            if (key := (task, dialogue.split, dialogue.dialogue_id, u.index)) in table
            else u
            for u in dialogue.utterances
        )
        described.append(dataclasses.replace(dialogue, utterances=utterances))
    return described


def made_by(task_info: Mapping) -> dict[str, str]:
    """For the report page: how a run's descriptions file was made, in one line ({} without one)."""
    info = task_info.get("descriptions") if isinstance(task_info, Mapping) else None
    if not isinstance(info, Mapping):
        return {}
    made = info.get("provenance")
    if not isinstance(made, Mapping):
        return {"descriptions made by": made} if isinstance(made, str) else {}
    model = made.get("model") or "?"
    weights = made.get("fingerprint") or {}
    digest = f" (fingerprint {hashlib.sha256(json.dumps(weights, sort_keys=True).encode()).hexdigest()[:12]})" \
        if weights else ""
    line = (f"{made.get('describer', '?')} {model}{digest}, {made.get('frames_per_clip', '?')} frames per clip, "
            f"seed {made.get('seed', '?')}, prompt {made.get('prompt', '')!r}; file sha256 {info.get('sha256', '?')}")
    return {"descriptions made by": line}


class DescriptionOptions(Options):
    """The option that attaches a descriptions file to any task's utterances."""

    descriptions: str | None = option(None, "a descriptions file (JSONL) attached to the utterances")


class DescriptionSource:
    """A descriptions file, read once, with what run.json should say about it (a task component)."""

    #: where run.json's task info records `info()`
    key = "descriptions"

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self._table: dict[DescriptionKey, str] | None = None
        self.undescribed = 0
        self.attached: dict[str, int] = {}

    def table(self) -> dict[DescriptionKey, str]:
        if self._table is None:
            self._table, self.undescribed = read_descriptions(self.path)
        return self._table

    def apply(self, dialogues: Sequence[Dialogue], task: str, split: str) -> list[Dialogue]:
        described = attach_descriptions(dialogues, self.table(), task)
        self.attached[split] = sum(
            u.description is not None for d in described for u in d.utterances
        )
        return described

    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "path": str(self.path),
            "sha256": sha256_file(self.path),
            "entries": len(self.table()),
            "attached_per_split": dict(self.attached),
        }
        if self.undescribed:
            info["without_description"] = self.undescribed
        provenance = read_provenance(self.path)
        if provenance is not None:  # how `ercbench describe` made the file
            info["provenance"] = provenance
        return info
