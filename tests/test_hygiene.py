"""Code, tests and docs cite no tracker numbers: a reader cannot follow them, and they go stale."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FOLDERS = ("harness", "plugins", "tests", "docs", "benchmarks", ".ci")
FILES = ("README.md", "setup.cfg", "tox.ini", "pyproject.toml")
SUFFIXES = {".py", ".md", ".cfg", ".ini", ".toml", ".sh", ".txt", ".html", ""}
# The word issue(s) before a number, or see/fixes/closes before "#" and a number: tracker references,
# not numbers in general (this file spells its examples in pieces so that it passes its own test).
REFERENCE = re.compile(r"\bissues?\s*#?\d+|\b(?:see|fixes|closes|resolves|per)\s+#\d+", re.IGNORECASE)


def text_files():
    for name in FILES:
        yield REPO / name
    for folder in FOLDERS:
        for path in sorted((REPO / folder).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES and "fixtures" not in path.parts:
                yield path


def test_no_file_cites_an_issue_number():
    found = []
    for path in text_files():
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        for number, line in enumerate(text.splitlines(), 1):
            if REFERENCE.search(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert found == []


def test_the_pattern_catches_references_and_spares_other_numbers():
    issue, hash_ = "issue", "#"
    references = (f"{issue} 6", f"{issue.title()}s 5 and 6", f"{issue} {hash_}12", f"see {hash_}4")
    assert all(REFERENCE.search(text) for text in references)
    assert not any(REFERENCE.search(text) for text in ("color: #336699", "k=3 shots", "step #", "2 issues"))
