"""Experiment plans: groups of runs (each group its own product) and the tables they report, checked whole."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from harness.context import RunContext
from harness.errors import ConfigError
from harness.registry import Registry
from harness.run.model_prompt import apply_model_prompt
from harness.run.parsing import PARSERS
from harness.run.pipeline import instantiate, split_ref
from harness.run.plan_file import Source, check_keys, option_text, read_plan_file, substitute, suggestion, variables
from harness.run.sweeps import shot_specs
from harness.types import RunSpec, frozen_mapping

TOP_KEYS = ("title", "vars", "group", "table")
GROUP_KEYS = ("name", "tasks", "prompts", "models", "shots", "seeds", "split", "limit", "parser")
TABLE_KEYS = ("name", "title", "groups", "rows", "columns", "metric", "aggregate", "published")
ROWS = ("model", "prompt", "parser", "seed", "task")
COLUMNS = ("task", "shots")
METRICS = ("accuracy", "weighted_f1")


@dataclass(frozen=True)
class Planned:
    """One run of the plan: its group and the spec (with the prompt a trained model requires)."""

    group: str
    spec: RunSpec


@dataclass(frozen=True)
class TablePlan:
    name: str
    title: str
    groups: tuple[str, ...]
    rows: tuple[str, ...]
    columns: str
    metric: str
    aggregate: str | None
    published: bool | tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    path: Path
    title: str
    runs: tuple[Planned, ...]
    tables: tuple[TablePlan, ...]

    def specs(self, groups: tuple[str, ...] | None = None) -> list[RunSpec]:
        """The distinct specs (of some groups), in plan order: a spec two groups share runs once."""
        unique: dict[str, RunSpec] = {}
        for run in self.runs:
            if groups is None or run.group in groups:
                unique.setdefault(spec_id(run.spec), run.spec)
        return list(unique.values())


def spec_id(spec: RunSpec | Mapping[str, Any]) -> str:
    data = spec.to_dict() if isinstance(spec, RunSpec) else dict(spec)
    return json.dumps(data, sort_keys=True)


def load_plan(path: Path, context: RunContext, overrides: Mapping[str, str] | None = None) -> Plan:
    """Read and check a plan: every group's tasks, prompts, models and options against the plugins'
    declared options (`context.registry`'s), every table against the groups, before anything runs."""
    data, source = read_plan_file(Path(path))
    path = source.path
    check_keys(data, TOP_KEYS, "plan", source, 1)
    values = variables(data, source, dict(overrides or {}))
    groups = data.get("group")
    if not isinstance(groups, list) or not groups:
        raise source.error(1, "a plan needs at least one [[group]] of runs")
    runs, names = [], []
    for index, group in enumerate(groups):
        start = source.header("group", index)
        name, specs = group_specs(substitute(group, values, source, start), source, start, context)
        if name in names:
            raise source.error(source.key_line("name", start), f"two groups are named {name!r}")
        names.append(name)
        runs += [Planned(name, spec) for spec in specs]
    tables = [table_plan(table, index, source, names) for index, table in enumerate(data.get("table", []))]
    return Plan(Path(path), str(data.get("title", Path(path).stem)), tuple(runs), tuple(tables))


def as_list(group: Mapping[str, Any], key: str, source: Source, start: int, default: list | None = None) -> list:
    value = group.get(key, default)
    if value is None or value == []:
        raise source.error(source.key_line(key, start) if key in group else start, f"group needs {key} = [...]")
    return value if isinstance(value, list) else [value]


def entries(group: Mapping[str, Any], key: str, source: Source, start: int, registry: Registry,
            default: list | None = None) -> list[tuple[str, dict[str, str]]]:
    """A group's tasks/prompts/models (`key`, the registry's kind): "name" or { name = "...", OPTION = value },
    each name and option checked against the plugin's declared options."""
    kind, out = key, []
    for entry in as_list(group, key, source, start, default):
        options = dict(entry) if isinstance(entry, dict) else {}
        name = options.pop("name", None) if isinstance(entry, dict) else entry
        if not isinstance(name, str) or not name:
            raise source.error(source.key_line(key, start), f"each of {key} is \"NAME\" or {{ name = \"NAME\", ... }}")
        plugin = split_ref(name)[0]
        if plugin not in registry.names(kind):
            raise source.error(source.value_line(f'"{name}', start), f"unknown {kind[:-1]} {plugin!r}"
                               f"{suggestion(plugin, registry.names(kind))} (`ercbench list {kind}`)")
        declared = registry.get(kind, plugin).cls.Options.names()
        prefixes = tuple(item[: -len("<key>")] for item in declared if item.endswith("<key>"))
        for option in options:
            if option not in declared and not (prefixes and option.startswith(prefixes)):
                raise source.error(source.key_line(option, start),
                                   f"{kind[:-1]} {plugin!r}: unknown option {option!r}"
                                   f"{suggestion(option, declared)} (options: {', '.join(declared) or 'none'})")
        if kind == "models" and "target" in options:  # -m name:target, the form compare writes
            name = f"{plugin}:{options.pop('target')}"
        out.append((name, {option: option_text(value) for option, value in options.items()}))
    return out


def whole_numbers(group: Mapping[str, Any], key: str, source: Source, start: int, default: list) -> list[int]:
    values = as_list(group, key, source, start, default)
    whole = all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values)
    if not whole or len(set(values)) < len(values):
        raise source.error(source.key_line(key, start), f"{key} must list different whole numbers >= 0, got {values}")
    return values


def group_specs(group: Any, source: Source, start: int, context: RunContext) -> tuple[str, list[RunSpec]]:
    """The group's name and its runs: tasks x prompts x models x seeds (x shots), each spec buildable."""
    registry = context.registry
    if not isinstance(group, dict):
        raise source.error(start, "a [[group]] must be a table")
    check_keys(group, GROUP_KEYS, "group", source, start)
    name = str(group.get("name", f"group{start}"))
    tasks = entries(group, "tasks", source, start, registry)
    prompts = entries(group, "prompts", source, start, registry, list(registry.defaults("prompts")) or None)
    models = entries(group, "models", source, start, registry)
    seeds = whole_numbers(group, "seeds", source, start, [0])
    shots = whole_numbers(group, "shots", source, start, []) if "shots" in group else None
    split, limit, parser = group.get("split", "test"), group.get("limit"), group.get("parser", "strict")
    if parser not in PARSERS:
        raise source.error(source.key_line("parser", start),
                           f"unknown parser {parser!r}{suggestion(str(parser), PARSERS)}")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0):
        raise source.error(source.key_line("limit", start), f"limit must be a whole number > 0, got {limit!r}")
    specs = []
    for (t, t_opts), (p, p_opts), (m, m_opts), seed in itertools.product(tasks, prompts, models, seeds):
        spec = RunSpec(task=t, prompt=p, model=m, split=str(split), seed=seed, limit=limit, parser=parser,
                       task_args=frozen_mapping(t_opts), prompt_args=frozen_mapping(p_opts),
                       model_args=frozen_mapping(m_opts))
        try:
            variants = shot_specs(spec, shots, registry) if shots is not None else [spec]
            specs += [buildable(one, context) for one in variants]
        except ConfigError as exc:
            raise source.error(problem_line(str(exc), group, source, start), f"group {name!r}: {exc}") from None
    return name, specs


def problem_line(message: str, group: Mapping[str, Any], source: Source, start: int) -> int:
    """The line of the key a plugin's refusal names (an option, the split, shots), else the group's."""
    keys = [key for entry in (*group.get("tasks", []), *group.get("prompts", []), *group.get("models", []))
            if isinstance(entry, dict) for key in entry if key != "name"]
    for key in [*keys, "split", "shots"]:
        if re.search(rf"(^|[\s'\"]){re.escape(key)}([\s'\"=]|$)", message) and key in str(group):
            return source.key_line(key, start)
    return start


def buildable(spec: RunSpec, context: RunContext) -> RunSpec:
    """The spec as a run records it (a trained model's prompt filled in), once its plugins build."""
    spec = apply_model_prompt(spec, context.registry)
    splits = instantiate(spec, context).task.splits()
    if spec.split not in splits:
        raise ConfigError(f"task {spec.task!r} has no split {spec.split!r}{suggestion(spec.split, splits)} "
                          f"(splits: {', '.join(splits)})")
    return spec


def table_plan(table: Any, index: int, source: Source, groups: list[str]) -> TablePlan:
    start = source.header("table", index)
    if not isinstance(table, dict):
        raise source.error(start, "a [[table]] must be a table")
    check_keys(table, TABLE_KEYS, "table", source, start)
    chosen = table.get("groups", groups)
    chosen = chosen if isinstance(chosen, list) else [chosen]
    for name in chosen:
        if name not in groups:
            raise source.error(source.value_line(f'"{name}"', start),
                               f"table: no group {name!r}{suggestion(str(name), groups)}")
    rows = table.get("rows", ["model", "prompt"])
    rows = rows if isinstance(rows, list) else [rows]
    for key, allowed, values in (("rows", ROWS, rows), ("columns", COLUMNS, [table.get("columns", "task")]),
                                 ("metric", METRICS, [table.get("metric", "weighted_f1")]),
                                 ("aggregate", ("seeds",), [table.get("aggregate", "seeds")])):
        for value in values:
            if value not in allowed:
                raise source.error(source.key_line(key, start), f"table {key}: {value!r} is not one of "
                                   f"{', '.join(allowed)}{suggestion(str(value), allowed)}")
    published = table.get("published", False)
    if not isinstance(published, (bool, list)):
        raise source.error(source.key_line("published", start), "published is true, false or a list of papers")
    name = str(table.get("name", f"table{index + 1}"))
    return TablePlan(name, str(table.get("title", name)), tuple(chosen), tuple(rows), table.get("columns", "task"),
                     table.get("metric", "weighted_f1"), table.get("aggregate"),
                     published if isinstance(published, bool) else tuple(published))
