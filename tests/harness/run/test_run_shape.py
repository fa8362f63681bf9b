"""The run's shape as rules: no function in harness/run takes more than 6 parameters; run_one fits a screen."""

from __future__ import annotations

import ast
from pathlib import Path

RUN = Path(__file__).resolve().parents[3] / "harness" / "run"
MAX_PARAMETERS = 6
MAX_RUN_ONE_LINES = 25


def parameter_counts(root: Path = RUN) -> list[tuple[str, int, str, int]]:
    """(file, line, function, parameters) for every function and lambda: *args and **kwargs count one
    each, self and cls not at all."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                args = node.args
                named = [*args.posonlyargs, *args.args, *args.kwonlyargs, *filter(None, (args.vararg, args.kwarg))]
                count = sum(arg.arg not in ("self", "cls") for arg in named)
                found.append((path.relative_to(root).as_posix(), node.lineno, getattr(node, "name", "lambda"), count))
    return found


def too_many(root: Path = RUN) -> list[tuple[str, int, str, int]]:
    return [hit for hit in parameter_counts(root) if hit[3] > MAX_PARAMETERS]


def function_lines(path: Path, name: str) -> int:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return (node.end_lineno or node.lineno) - node.lineno + 1
    raise AssertionError(f"no function {name} in {path}")


def test_no_function_in_harness_run_takes_more_than_six_parameters():
    assert len(parameter_counts()) > 50  # the scan has something to look at
    assert too_many() == []


def test_run_one_reads_in_one_screen():
    assert function_lines(RUN / "run_one.py", "run_one") <= MAX_RUN_ONE_LINES


def test_the_scan_counts_every_kind_of_parameter(tmp_path):
    (tmp_path / "wide.py").write_text(
        "class C:\n"
        "    def method(self, a, b, /, c, d=1, *rest, e, f=2, **more):\n"
        "        return lambda x, y: x\n"
        "def narrow(cls, a):\n"
        "    pass\n", encoding="utf-8")
    assert too_many(tmp_path) == [("wide.py", 2, "method", 8)]
    assert sorted(hit[2:] for hit in parameter_counts(tmp_path)) == [("lambda", 2), ("method", 8), ("narrow", 1)]
    assert function_lines(tmp_path / "wide.py", "method") == 2
