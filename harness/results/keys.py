"""What identifies a result: the spec and code version (spec key) plus the contents that change answers (input key)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import PurePath
from typing import Any, Iterable, Mapping

from harness.types import RunSpec

#: The parser a score-mode run records: it reads the argmax of the scored labels, so no text parser runs and
#: `--parser` does not change its answers. RunSpec's default, so that existing score-mode runs keep their keys.
SCORE_PARSER = "strict"


def digest(blob: Any, size: int = 10) -> str:
    return hashlib.sha256(json.dumps(blob, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:size]


def run_inputs(task_info: Mapping[str, Any], labels: Any, model_fingerprint: Mapping[str, str]) -> dict[str, Any]:
    """The contents a run's answers depend on beyond its spec: data files' sha256, label set, weights."""
    files = task_info.get("files") or {}
    descriptions = (task_info.get("descriptions") or {}).get("sha256")
    # Keyed by folder/name, not the full path: the same bytes under another data root are the same input.
    data = {short_path(path): sha for path, sha in files.items()} if isinstance(files, Mapping) else {}
    if descriptions:
        data["<descriptions>"] = descriptions
    return {"data": data, "labels": list(labels), "model": dict(model_fingerprint)}


def identity_parser(parser: str | None, answer_mode: str | None) -> str:
    """The parser that is part of a run's identity: none runs in score mode, so all parsers are one there."""
    return SCORE_PARSER if answer_mode == "score" else (parser or SCORE_PARSER)


def identity_spec(spec: RunSpec, answer_mode: str | None) -> RunSpec:
    """The spec as a run's identity (its key, its folder, its leaderboard row): score mode drops the parser."""
    parser = identity_parser(spec.parser, answer_mode)
    return spec if parser == spec.parser else replace(spec, parser=parser)


def legacy_specs(spec: RunSpec, answer_mode: str | None, parsers: Iterable[str]) -> list[RunSpec]:
    """The specs older ercbench versions recorded for the same score-mode run: one per parser it may have had."""
    if answer_mode != "score":
        return []
    return [replace(spec, parser=name) for name in sorted(parsers) if name != identity_parser(name, answer_mode)]


def short_path(path: str) -> str:
    return "/".join(PurePath(path).parts[-2:])


def input_key(spec_key: str, inputs: Mapping[str, Any]) -> str:
    return digest({"spec": spec_key, "inputs": dict(inputs)})


def _changed_entries(kind: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    names = sorted(set(old) | set(new))
    out = []
    for name in names:
        if name not in new:
            out.append(f"{kind} {name} no longer used")
        elif name not in old:
            out.append(f"{kind} {name} is new")
        elif old[name] != new[name]:
            out.append(f"{kind} {name} changed (sha256 {str(old[name])[:12]} -> {str(new[name])[:12]})")
    return out


def describe_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Human phrases for every difference between two input records, e.g. 'model file x changed'."""
    changes: list[str] = []
    changes += _changed_entries("data file", old.get("data") or {}, new.get("data") or {})
    if list(old.get("labels") or []) != list(new.get("labels") or []):
        changes.append(f"labels changed ({', '.join(old.get('labels') or [])} -> {', '.join(new.get('labels') or [])})")
    changes += _changed_entries("model file", old.get("model") or {}, new.get("model") or {})
    return changes
