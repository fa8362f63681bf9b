"""Repairing the cp1252 mojibake of older MELD copies: C1 characters (U+0092 for ’) and UTF-8 read as cp1252 (â€™)."""

from __future__ import annotations

import re

_C1 = re.compile("[\u0080-\u009f]")
# UTF-8 punctuation bytes decoded as cp1252: a lead byte shown as 'â' or 'Ã' and one or two more.
_DOUBLE = re.compile("(?:â€[\u0080-\u00ff\u0152-\u0178\u02c6-\u2122]|Ã[\u0080-\u00ff\u0152-\u0178\u02c6-\u2122])")


def _c1_to_cp1252(match: re.Match[str]) -> str:
    code = bytes([ord(match.group())])
    try:
        return code.decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d have no cp1252 character
        return match.group()


def _cp1252_byte(char: str) -> bytes:
    try:
        return char.encode("cp1252")
    except UnicodeEncodeError:  # bytes cp1252 leaves undefined were often kept as C1 characters
        if ord(char) < 256:
            return bytes([ord(char)])
        raise


def _undo_double(match: re.Match[str]) -> str:
    try:
        return b"".join(_cp1252_byte(char) for char in match.group()).decode("utf-8")
    except UnicodeError:
        return match.group()


def repair(text: str) -> str:
    """Text as the 2020 UTF-8 MELD files have it; already clean text is returned unchanged."""
    text = _DOUBLE.sub(_undo_double, text)
    return _C1.sub(_c1_to_cp1252, text)
