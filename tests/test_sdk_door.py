"""Plugins reach the harness only through its door: harness.sdk, harness.lm and harness.errors (the specimen too)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOORS = {"sdk", "lm", "errors"}


def harness_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) for each harness module imported, function-local imports included."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "harness":  # `from harness import lm`: each name is a module
                found += [(node.lineno, f"harness.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return sorted((line, name) for line, name in found if name.split(".")[0] == "harness")


def leaks(*roots: Path) -> list[str]:
    found = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            for line, name in harness_imports(ast.parse(path.read_text(encoding="utf-8"))):
                if name.partition(".")[2].split(".")[0] not in DOORS:  # bare `import harness` too
                    found.append(f"{path.relative_to(root.parent).as_posix()}:{line} {name}")
    return found


def test_plugins_and_the_specimen_import_only_the_door():
    plugins, specimen = ROOT / "plugins", ROOT / "tests" / "specimen_plugin"
    assert list(plugins.rglob("*.py")) and list(specimen.rglob("*.py"))  # the scan has files to read
    assert leaks(plugins, specimen) == []


def test_the_scan_finds_a_leak(tmp_path):
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "ok.py").write_text(
        "from harness.sdk import Task\nfrom harness import lm\nimport harness.errors\n", encoding="utf-8"
    )
    (plugin / "leaky.py").write_text(
        "from harness.sdk import Task\n\n\ndef run():\n    from harness.run import pipeline\n\n\nimport harness\n"
        "from harness import metrics\n",
        encoding="utf-8",
    )
    assert leaks(plugin) == [
        "plugin/leaky.py:5 harness.run", "plugin/leaky.py:8 harness", "plugin/leaky.py:9 harness.metrics",
    ]
