"""Names that become file or folder names (task, split, prompt, model, run id) made safe to join onto a path."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from harness.errors import ConfigError

# Portable file-name characters; everything else (/, \, NUL, spaces, Unicode) becomes '_'.
UNSAFE = re.compile(r"[^A-Za-z0-9._+=~-]+")
MAX_PART = 40  # six parts of a run id stay well under the 255-byte file-name limit
HASH_SUFFIX = re.compile(r"~[0-9a-f]{6}")


def safe_name(text: str, limit: int = MAX_PART) -> str:
    """`text` as one path component: portable characters only, no leading dot, at most `limit` + 7 long.

    A changed or shortened name gets a hash of the original appended, so two different
    names never map to the same component ('a/b' and 'a_b' stay apart).
    """
    cleaned = UNSAFE.sub("_", text).lstrip(".") or "_"
    if cleaned == text and (len(text) <= limit or _already_shortened(text, limit)):
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    return f"{cleaned[:limit]}~{digest}"


def _already_shortened(text: str, limit: int) -> bool:
    """A name this function produced (at most `limit` characters, then ~ and 6 hex digits) stays as it is."""
    return len(text) <= limit + 7 and HASH_SUFFIX.fullmatch(text[-7:]) is not None


def child(root: Path, name: str) -> Path:
    """root/name, refusing any name that is not a single safe component (defence in depth)."""
    if name != safe_name(name, limit=len(name)) or name in {"", ".", ".."}:
        raise ConfigError(f"refusing unsafe file name {name!r} under {root}")
    return root / name
