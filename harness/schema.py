"""Declared plugin options: one typed Options class per plugin turns KEY=VALUE strings into checked values."""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from typing import Any, Callable, ClassVar, Mapping, Self

from harness.errors import ConfigError

ON = ("on", "true", "yes", "1")
OFF = ("off", "false", "no", "0")
SCALARS = {str: "text", int: "whole number", float: "number", bool: "on|off"}


def option(
    default: Any = dataclasses.MISSING,
    help: str = "",
    *,
    choices: tuple[str, ...] = (),
    minimum: float | None = None,
    none: str | None = None,
    prefix: str | None = None,
    parse: Callable[[str], Any] | None = None,
) -> Any:
    """Declare one option of an `Options` class.

    default: its value when not given (omit it for a required option); help: one line for
    `ercbench list`; choices: the allowed words; minimum: the lowest allowed number; none: the
    word that stands for None in an `int | None` option (e.g. 'all'); prefix: collect every
    `PREFIX<key>=value` into a dict (e.g. 'prompt.' for options handed on to a prompt);
    parse: a custom str -> value function that raises ValueError with the reason.
    """
    meta = {"help": help, "choices": tuple(choices), "minimum": minimum, "none": none, "prefix": prefix,
            "parse": parse}
    if prefix is not None:
        return dataclasses.field(default_factory=dict, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@dataclasses.dataclass(frozen=True)
class OptionSpec:
    """One declared option as `ercbench list --options` shows it."""

    name: str
    type: str
    default: str | None  # None: required
    help: str
    choices: tuple[str, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Options:
    """Base of every plugin's options: subclasses are frozen, keyword-only dataclasses.

    Declare fields with `option(...)`; subclass your base class's Options (e.g.
    `class Options(Task.Options)`) to keep the options every plugin of that kind accepts.
    Override `check` for rules that involve several options.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)

    def check(self) -> None:
        """Raise ValueError (the reason, one line) when options contradict each other."""

    @classmethod
    def parse(cls, values: Mapping[str, Any], owner: str = "plugin") -> Self:
        """Checked options from strings (or already typed values); unknown keys and bad values refused."""
        specs = _fields(cls)
        given: dict[str, Any] = {}
        for key, value in values.items():
            spec = specs.get(key)
            if spec is not None and value is None and not _base_type(_hints(cls)[key])[1]:
                continue  # None for an option that cannot be None: not given, so its default
            if spec is not None and spec.metadata["prefix"] is None:
                given[key] = _convert(spec, _hints(cls)[key], value, owner)
                continue
            holder = _prefix_field(specs, key)
            if holder is None:
                raise ConfigError(unknown_message(owner, key, cls.names()))
            given.setdefault(holder.name, {})[key[len(holder.metadata["prefix"]):]] = str(value)
        for name, spec in specs.items():
            if name not in given and _required(spec):
                raise ConfigError(f"{owner} needs option {name}=... ({spec.metadata['help'] or 'required'})")
        instance = cls(**given)
        try:
            instance.check()
        except ValueError as exc:
            raise ConfigError(f"{owner}: {exc}") from None
        return instance

    @classmethod
    def names(cls) -> list[str]:
        """Every accepted key (a prefix option shows as 'prefix<key>')."""
        return sorted(spec.metadata["prefix"] + "<key>" if spec.metadata["prefix"] else name
                      for name, spec in _fields(cls).items())

    @classmethod
    def describe(cls) -> list[OptionSpec]:
        """The declaration, for help listings: name, type, default (as typed on the CLI), help."""
        rows = []
        for name, spec in _fields(cls).items():
            meta, hint = spec.metadata, _hints(cls)[name]
            default = None if _required(spec) else render(spec, _default(spec))
            shown = meta["prefix"] + "<key>" if meta["prefix"] else name
            rows.append(OptionSpec(shown, _type_name(meta, hint), default, meta["help"], meta["choices"]))
        return sorted(rows, key=lambda row: row.name)

    def to_strings(self) -> dict[str, str]:
        """Every option as the string that would set it (defaults included), for run records."""
        out: dict[str, str] = {}
        for name, spec in _fields(type(self)).items():
            value = getattr(self, name)
            if spec.metadata["prefix"]:
                out.update({spec.metadata["prefix"] + key: str(item) for key, item in value.items()})
            else:
                out[name] = render(spec, value)
        return out


def unknown_message(owner: str, key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=2, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return f"{owner}: unknown option {key!r}{hint} (options: {', '.join(known) or 'none'})"


def render(spec: dataclasses.Field[Any], value: Any) -> str:
    """A value as it is written on the command line."""
    if value is None:
        return spec.metadata["none"] or ""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        text = repr(value)  # the shortest text that reads back as the same float
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, tuple):
        return ",".join(str(item) for item in value)
    if isinstance(value, Mapping):
        return ",".join(f"{key}={item}" for key, item in value.items())
    return str(value)


def flag(value: Any) -> bool:
    """'on'/'off' (also true/false, yes/no, 1/0) -> bool."""
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ON:
        return True
    if lowered in OFF:
        return False
    raise ValueError("must be on or off")


def word_list(value: str) -> tuple[str, ...]:
    """'a,b,c' -> ('a', 'b', 'c'); empty or repeated entries are refused."""
    items = tuple(part.strip() for part in str(value).split(","))
    if not str(value).strip() or any(not item for item in items):
        raise ValueError("must be a comma-separated list")
    if len(set(items)) != len(items):
        raise ValueError("repeats an entry")
    return items


# Per Options class, computed once: the declared fields and their resolved type hints.
_FIELDS: dict[type, dict[str, dataclasses.Field[Any]]] = {}
_HINTS: dict[type, dict[str, Any]] = {}


def _fields(cls: type) -> dict[str, dataclasses.Field[Any]]:
    if cls not in _FIELDS:
        _FIELDS[cls] = {spec.name: spec for spec in dataclasses.fields(cls)}
    return _FIELDS[cls]


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _required(spec: dataclasses.Field[Any]) -> bool:
    return spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING


def _default(spec: dataclasses.Field[Any]) -> Any:
    if spec.default is dataclasses.MISSING and callable(spec.default_factory):
        return spec.default_factory()
    return spec.default


def _prefix_field(specs: Mapping[str, dataclasses.Field[Any]], key: str) -> dataclasses.Field[Any] | None:
    for spec in specs.values():
        prefix = spec.metadata["prefix"]
        if prefix and key.startswith(prefix) and len(key) > len(prefix):
            return spec
    return None


def _base_type(hint: Any) -> tuple[Any, bool]:
    """(the type, whether None is allowed) of `int`, `int | None`, `tuple[str, ...]`."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return args[0], True
    return hint, False


def _type_name(meta: Mapping[str, Any], hint: Any) -> str:
    if meta["choices"]:
        return "|".join(meta["choices"])
    base, optional = _base_type(hint)
    name = SCALARS.get(base)
    if name is None:
        name = "list" if typing.get_origin(base) is tuple else "text" if meta["prefix"] else getattr(
            base, "__name__", str(base))
    return f"{name} or {meta['none']}" if optional and meta["none"] else name


def _convert(spec: dataclasses.Field[Any], hint: Any, value: Any, owner: str) -> Any:
    meta = spec.metadata
    base, optional = _base_type(hint)
    text = str(value).strip() if not isinstance(value, (tuple, list)) else value
    if optional and (value is None or text == (meta["none"] or "")):
        return None
    try:
        converted = _scalar(meta, base, value, text)
    except ValueError as exc:
        raise ConfigError(f"{owner}: option {spec.name} {exc}, got {value!r}") from None
    if meta["minimum"] is not None and converted < meta["minimum"]:
        # For whole numbers, a minimum of 1 reads better as "positive".
        bound = "positive" if base is int and meta["minimum"] == 1 else f">= {meta['minimum']}"
        raise ConfigError(f"{owner}: option {spec.name} must be {bound}, got {value!r}")
    return converted


def _scalar(meta: Mapping[str, Any], base: Any, value: Any, text: Any) -> Any:
    if meta["parse"] is not None:
        return meta["parse"](value if isinstance(value, (tuple, list)) else str(value))
    if meta["choices"]:
        match = [choice for choice in meta["choices"] if choice.lower() == str(text).lower()]
        if not match:
            raise ValueError(f"must be one of {', '.join(meta['choices'])}")
        return match[0]
    if base is bool:
        return flag(value)
    if base is int:
        try:
            return int(text)
        except ValueError:
            raise ValueError("must be a whole number") from None
    if base is float:
        try:
            return float(text)
        except ValueError:
            raise ValueError("must be a number") from None
    if typing.get_origin(base) is tuple:
        return tuple(text) if isinstance(text, (tuple, list)) else word_list(text)
    return str(value)


_BaseOptions = Options  # the Configurable class below declares its own nested `Options`


class Configurable:
    """What the four plugin interfaces share: `Options` parsed once, at construction.

    `self.config` holds the typed options (defaults filled in); `self.options` the
    options as given, each written as the string that sets it.
    """

    class Options(_BaseOptions):
        """No options; a plugin kind or a plugin subclasses this to declare its own."""

    #: the typed options; a plugin that declares `Options` also writes `config: Options` after it
    config: Options
    #: the options as given, each written as the string that sets it
    options: dict[str, str]
    kind: ClassVar[str] = "plugin"
    name: ClassVar[str]
    #: True: the command line uses this plugin when none is named (`run -p`, `compare`'s grid,
    #: `train --trainer`). Read from the class that sets it: subclasses do not inherit it.
    default: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in (base for base in cls.__bases__ if issubclass(base, Configurable)):
            # Configurable's own Options declares nothing: a plugin's Options may subclass the SDK's `Options`.
            kept = _BaseOptions if base.Options is Configurable.Options else base.Options
            if not issubclass(cls.Options, kept):
                raise TypeError(f"{cls.__name__}.Options must subclass {base.__name__}.Options")

    def _configure(self, options: Mapping[str, Any]) -> None:
        owner = f"{self.kind} {getattr(self, 'name', type(self).__name__)!r}"
        self.config = self.Options.parse(options, owner)
        specs = _fields(self.Options)
        self.options = {key: (render(specs[key], getattr(self.config, key)) if key in specs else str(value))
                        for key, value in options.items()}

