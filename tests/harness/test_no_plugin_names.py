"""The core names no plugin: no registered plugin's name is a string literal in harness/ (docstrings aside)."""

from __future__ import annotations

import ast
from pathlib import Path

from harness.discovery import default_registry

HARNESS = Path(__file__).resolve().parents[2] / "harness"
# Literals that equal a plugin's name but name something else; each says what.
NOT_PLUGIN_REFERENCES = {
    ("run/parsing.py", "dialoguellm"): "the --parser dialoguellm rule (the paper's answer reading)",
    ("cli/common.py", "hf"): "the pip extra ercbench[hf]",
    ("cli/common.py", "lm-eval"): "the pip extra ercbench[lm-eval]",
    ("cli/export.py", "lm-eval"): "the export format: `ercbench export lm-eval`",
}


def docstrings(tree: ast.AST) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds) and node.body and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def plugin_name_literals(names: set[str], root: Path = HARNESS) -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in names and id(node) not in skip:
                found.append((path.relative_to(root).as_posix(), node.lineno, node.value))
    return found


def test_no_registered_plugin_name_is_a_literal_in_the_core():
    names = {entry.name for entry in default_registry().all()}
    assert {"zero-shot", "k-shot", "sample", "majority", "dialoguellm"} <= names  # the scan has something to find
    leaks = [hit for hit in plugin_name_literals(names) if (hit[0], hit[2]) not in NOT_PLUGIN_REFERENCES]
    assert leaks == [], "plugin names in harness/: " + ", ".join(f"{f}:{line} {name!r}" for f, line, name in leaks)


def test_the_scan_finds_a_name_where_there_is_one(tmp_path):
    (tmp_path / "leaky.py").write_text('"""Doc naming zero-shot."""\nPROMPT = "zero-shot"\n', encoding="utf-8")
    assert plugin_name_literals({"zero-shot"}, tmp_path) == [("leaky.py", 2, "zero-shot")]
