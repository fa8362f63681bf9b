"""A plan file read: TOML with ${variables}, every problem one line naming FILE:LINE and the bad key."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from harness.errors import ConfigError

VARIABLE = re.compile(r"\$\{([^}]*)\}")


class PlanError(ConfigError):
    """A mistake in a plan file, located: 'FILE:LINE: problem'."""

    def __init__(self, path: Path, line: int, problem: str):
        super().__init__(f"{path}:{line}: {problem}")


def suggestion(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""


@dataclass
class Source:
    """The plan file's text, to find the line of a key or value (tomllib reports none)."""

    path: Path
    lines: list[str]

    def error(self, line: int, problem: str) -> PlanError:
        return PlanError(self.path, line, problem)

    def header(self, array: str, index: int) -> int:
        """The line of the index-th [[array]] table (1-based line; 1 when not found)."""
        found = [n for n, text in enumerate(self.lines, 1) if re.match(rf"\s*\[\[\s*{array}\s*\]\]", text)]
        return found[index] if index < len(found) else 1

    def section_end(self, start: int) -> int:
        for number in range(start + 1, len(self.lines) + 1):
            if re.match(r"\s*\[", self.lines[number - 1]):
                return number - 1
        return len(self.lines)

    def find(self, pattern: str, start: int = 1) -> int:
        """The first line at or after `start` within its section matching the pattern; else `start`."""
        for number in range(start, self.section_end(start) + 1):
            if re.search(pattern, self.lines[number - 1]):
                return number
        return start

    def key_line(self, key: str, start: int = 1) -> int:
        quoted = f"(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')"
        return self.find(rf"(^|[{{,\s]){quoted}\s*=", start)

    def value_line(self, value: Any, start: int = 1) -> int:
        return self.find(re.escape(str(value)), start)


SHIPPED = Path(__file__).resolve().parents[2] / "experiments"  # the plans of this checkout


def find_plan(path: Path) -> Path:
    """The file as given; else a plan of that name shipped in this checkout's experiments/ folder."""
    if path.exists() or path.parent != Path("."):
        return path
    for name in (path.name, f"{path.name}.toml"):
        if (SHIPPED / name).is_file():
            return SHIPPED / name
    return path


def read_plan_file(path: Path) -> tuple[dict[str, Any], Source]:
    """The parsed TOML and its text; a syntax error names its line (tomllib's message carries it)."""
    path = find_plan(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        shipped = ", ".join(sorted(p.name for p in SHIPPED.glob("*.toml"))) or "none"
        raise ConfigError(f"{path}: no such plan file (shipped in {SHIPPED}: {shipped})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise PlanError(path, int(match.group(1)) if match else 1, f"not valid TOML: {exc}") from None
    return data, Source(path, text.splitlines())


def variables(data: Mapping[str, Any], source: Source, overrides: Mapping[str, str]) -> dict[str, str]:
    """[vars] of the plan, with --var NAME=VALUE overrides; a --var the plan does not declare is refused."""
    declared = data.get("vars", {})
    if not isinstance(declared, dict):
        raise source.error(source.key_line("vars"), "vars must be a table of NAME = \"value\"")
    unknown = [name for name in overrides if name not in declared]
    if unknown:
        raise ConfigError(f"--var {unknown[0]}: {source.path} declares no such variable"
                          f"{suggestion(unknown[0], declared)} (variables: {', '.join(declared) or 'none'})")
    return {**{name: str(value) for name, value in declared.items()}, **overrides}


def substitute(value: Any, values: Mapping[str, str], source: Source, start: int) -> Any:
    """${NAME} replaced in every string of a value; an unknown or empty variable is one located line."""
    if isinstance(value, str):
        for name in VARIABLE.findall(value):
            line = source.value_line("${" + name + "}", start)
            if name not in values:
                raise source.error(line, f"unknown variable ${{{name}}}{suggestion(name, values)} "
                                         f"(declare it under [vars])")
            if not values[name]:
                raise source.error(line, f"variable ${{{name}}} is empty: set it with --var {name}=VALUE")
        return VARIABLE.sub(lambda match: values[match.group(1)], value)
    if isinstance(value, list):
        return [substitute(item, values, source, start) for item in value]
    if isinstance(value, dict):
        return {key: substitute(item, values, source, start) for key, item in value.items()}
    return value


def check_keys(table: Mapping[str, Any], known: Iterable[str], what: str, source: Source, start: int) -> None:
    known = list(known)
    for key in table:
        if key not in known:
            raise source.error(source.key_line(key, start),
                               f"{what}: unknown key {key!r}{suggestion(key, known)} (keys: {', '.join(known)})")


def option_text(value: Any) -> str:
    """A TOML value as it is written on the command line (true -> on), so plans and compare share runs."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)
