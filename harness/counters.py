"""What a plugin counts as a run goes, each field with its declared rule for joining processes' and attempts' counts."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal, Mapping, Self, Sequence, TypeVar, get_args, get_type_hints

Merge = Literal["sum", "max", "union", "first", "nested"]
RULES: tuple[str, ...] = get_args(Merge)
MERGE_KEY = "merge"  # where a field's rule is kept in its metadata

T = TypeVar("T")


def counter(merge: Merge = "sum", default: Any = 0) -> Any:
    """A dataclass field joined by its rule: `sum` or `max` of numbers, `union` of items (each once, in the order
    first seen), `first` (the first part's value: rank 0's, the earliest attempt's), `nested` (a dataclass whose
    own fields declare rules). A callable `default` (e.g. the nested class) is a factory, called per instance."""
    if merge not in RULES:
        raise ValueError(f"unknown merge rule {merge!r} (rules: {', '.join(RULES)})")
    if callable(default):
        return field(default_factory=default, metadata={MERGE_KEY: merge})
    return field(default=default, metadata={MERGE_KEY: merge})


def rule_of(owner: Any, item: dataclasses.Field[Any]) -> str:
    rule = item.metadata.get(MERGE_KEY)
    if rule not in RULES:
        raise TypeError(f"{type(owner).__name__}.{item.name} declares no merge rule: declare it with counter(...)")
    return str(rule)


def join(rule: str, first: Any, second: Any) -> Any:
    """Two values of one field joined by its rule."""
    if rule == "sum":
        return first + second
    if rule == "max":
        return max(first, second)
    if rule == "union":
        return tuple(dict.fromkeys((*first, *second)))
    if rule == "first":
        return first
    return merge_fields(first, second)


def merge_fields(first: T, second: T) -> T:
    """A new dataclass of `first`'s type, each field joined with `second`'s by the field's rule."""
    if type(first) is not type(second) or not is_dataclass(first):
        raise TypeError(f"cannot merge {type(first).__name__} with {type(second).__name__}")
    joined = {item.name: join(rule_of(first, item), getattr(first, item.name), getattr(second, item.name))
              for item in fields(first)}
    return dataclasses.replace(first, **joined)  # type: ignore[type-var]


def to_json(value: Any) -> Any:
    """Nested counters as dicts, tuples as lists; numbers and text as they are."""
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: to_json(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, (tuple, list)):
        return [to_json(item) for item in value]
    return value


def from_json(cls: type[T], data: Mapping[str, Any]) -> T:
    """The counters `to_json` wrote (keys it does not know are left out; missing ones take their default)."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    hints = get_type_hints(cls)
    values: dict[str, Any] = {}
    for item in fields(cls):  # type: ignore[arg-type]
        if item.name not in data:
            continue
        value, rule = data[item.name], rule_of(cls, item)
        if rule == "nested":
            value = from_json(hints[item.name], value)
        elif rule in ("sum", "max") and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ValueError(f"{cls.__name__}.{item.name}: expected a number, got {type(value).__name__}")
        elif rule == "union":
            if not isinstance(value, list):
                raise ValueError(f"{cls.__name__}.{item.name}: expected a list, got {type(value).__name__}")
            value = tuple(value)
        values[item.name] = value
    return cls(**values)


@dataclass(frozen=True, kw_only=True)
class Counters:
    """What a model counted in one process and attempt (tokens fed, renderings used): subclass it with
    `counter(...)` fields. The run joins every process's and every attempt's counts by the fields' rules."""

    def merge(self, other: Self) -> Self:
        """Field by field, by each field's declared rule (`self` is the first part)."""
        return merge_fields(self, other)

    @classmethod
    def merged(cls, parts: Sequence[Self]) -> Self:
        """The parts joined in order (rank order, attempt order); at least one part."""
        if not parts:
            raise ValueError(f"{cls.__name__}.merged needs at least one part")
        return functools.reduce(lambda joined, part: joined.merge(part), parts[1:], parts[0])

    def to_json(self) -> dict[str, Any]:
        """The fields as run.json's model_info keys (nested counters as objects, tuples as lists)."""
        data: dict[str, Any] = to_json(self)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Counters an earlier attempt recorded (attempt.json), to add this attempt's to."""
        return from_json(cls, data)
