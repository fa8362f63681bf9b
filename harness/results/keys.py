"""What identifies a result: the spec and code version (spec key) plus the contents that change answers (input key)."""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePath
from typing import Any, Mapping


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
