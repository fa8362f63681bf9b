"""Older run.json shapes, upgraded to today's in one place."""

from __future__ import annotations

from typing import Any


def upgrade(data: Any) -> Any:
    """run.json as read -> today's shape: the `extra` bag's facts at the top, `n_truncated` from the hf model's
    info, a missing `duration_s` as 0. Anything that is not a JSON object is returned as it is (the reader
    refuses it); a record of today's shape comes back equal."""
    if not isinstance(data, dict):
        return data
    extra = data.get("extra")
    flat = {**(extra if isinstance(extra, dict) else {}), **{k: v for k, v in data.items() if k != "extra"}}
    if "n_truncated" not in flat:  # older runs counted truncation in the hf model's info only
        info = flat.get("model_info")
        flat["n_truncated"] = info.get("n_truncated", 0) if isinstance(info, dict) else 0
    flat.setdefault("duration_s", 0.0)
    return flat
