"""Every hook is documented and implemented by a test plugin (the specimen), which the harness then uses."""

from __future__ import annotations

import functools
import importlib.util
import inspect
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from harness import discovery, hookspecs
from harness.context import RunContext
from harness.errors import PluginError
from harness.registry import KINDS, Origin
from harness.run.pipeline import run
from harness.types import RunSpec

ROOT = Path(__file__).resolve().parents[2]
SPECIMEN = ROOT / "tests" / "specimen_plugin" / "ercbench_specimen" / "__init__.py"
HOOKS = sorted(name for name, fn in vars(hookspecs).items() if getattr(fn, "ercbench_spec", None) is not None)


@functools.lru_cache(maxsize=1)
def load_specimen():
    """The specimen's module from its source (tox also installs it; the shared venv does not)."""
    spec = importlib.util.spec_from_file_location("ercbench_specimen_under_test", SPECIMEN)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses (the declared options) look their module up
    spec.loader.exec_module(module)
    return module


def specimen_manager():
    return discovery.make_plugin_manager([(load_specimen(), Origin("specimen", "ercbench-specimen", "0.3.1"))])


def test_the_hooks_are_the_five_kinds_and_commands():
    assert HOOKS == sorted([f"ercbench_register_{kind}" for kind in KINDS] + ["ercbench_register_commands"])


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_docstring_and_is_documented(hook):
    assert inspect.getdoc(getattr(hookspecs, hook))
    docs = (ROOT / "README.md").read_text(encoding="utf-8") + (ROOT / "docs" / "architecture.md").read_text(
        encoding="utf-8"
    )
    assert hook in docs, f"{hook} is not documented in README.md or docs/architecture.md"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_implemented_by_the_specimen(hook):
    assert getattr(load_specimen(), hook, None) is not None, f"the specimen plugin does not implement {hook}"


def test_the_specimen_plugins_classes_are_registered_and_run(tmp_path):
    registry = discovery.build_registry(*specimen_manager())
    mine = {(e.kind, e.name) for e in registry.all() if e.origin.plugin == "specimen"}
    assert mine == {("tasks", "specimen-task"), ("prompts", "specimen-bare"), ("models", "first-choice"),
                    ("trainers", "specimen-count"), ("describers", "specimen-names")}
    spec = RunSpec(task="specimen-task", prompt="specimen-bare", model="first-choice", split="test")
    result, _ = run(spec, RunContext(registry), results_dir=tmp_path / "results")
    assert result.n == 7 and result.n_unparsed == 0
    trainer = registry.get("trainers", "specimen-count").cls(label="x")
    trained = trainer.train([registry.get("tasks", "specimen-task").cls()], tmp_path / "ckpt", RunContext(registry))
    assert trained["n_train"] == 5


def test_the_specimen_describer_describes_clips(tmp_path):
    from harness.describe.clips import Job
    from harness.describe.store import DescriptionsFile
    from harness.describe.work import Describing
    from harness.interfaces import Clip

    registry = discovery.build_registry(*specimen_manager())
    task = registry.get("tasks", "specimen-task").cls()
    describer = registry.get("describers", "specimen-names").cls(words="clip")
    for name in ("a.mp4", "b.avi"):
        (tmp_path / name).write_bytes(b"x")
    jobs = [Job("test", "d0", 0, Clip(tmp_path / "a.mp4")), Job("test", "d0", 1, Clip(tmp_path / "b.avi"))]
    out = tmp_path / "d.jsonl"
    summary = Describing(task, describer, DescriptionsFile(out, {"task": task.name})).run(jobs)
    assert summary.described == 1 and summary.problems == [("test/d0/1", f"{tmp_path / 'b.avi'}: not an .mp4")]
    assert "clip a" in out.read_text()


def test_the_specimen_command_is_collected_and_runs():
    commands = discovery.build_commands(*specimen_manager())
    command, origin = commands["specimen-hello"]
    assert origin.plugin == "specimen"
    result = CliRunner().invoke(command, ["--name", "ercbench"])
    assert result.exit_code == 0 and result.output == "hello ercbench from the specimen plugin\n"


def test_command_name_clashes_are_one_line_errors(monkeypatch):
    import click

    from harness.cli import main

    specimen = load_specimen()
    twin = SimpleNamespace(ercbench_register_commands=specimen.ercbench_register_commands)
    with pytest.raises(PluginError, match="two plugins register command 'specimen-hello': 'specimen' and 'twin'"):
        discovery.build_commands(*discovery.make_plugin_manager(
            [(specimen, Origin("specimen", "s", "1")), (twin, Origin("twin", "t", "1"))]))

    shadow = click.Command("run", callback=lambda: None)
    monkeypatch.setattr(discovery, "default_commands", lambda: {"run": (shadow, Origin("shadow", "s", "1"))})
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 1 and "plugin 'shadow' registers command 'run', a built-in command" in result.output
