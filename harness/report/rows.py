"""One leaderboard row type: a finished run or a published number, the same for every output format."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Any, Iterable, Mapping

from harness.report.conditions import of_run
from harness.results.keys import identity_parser
from harness.types import RunResult


@dataclass(frozen=True)
class LeaderboardRow:
    """One scored (model, prompt, parser, task) cell source; scores are fractions (0..1).

    A published number has no `n`, `unparsed`, `started` or `seed`; `k` and `shots` are set only for
    zero-/k-shot runs (and reported rows with a shot count), for the table pivoted by k.
    `conditions` says how the score was obtained (harness.report.conditions), shown beside published rows.
    """

    model: str
    prompt: str
    parser: str
    task: str
    accuracy: float | None
    weighted_f1: float | None
    macro_f1: float | None = None
    n: int | None = None
    unparsed: int | None = None
    started: str = ""
    run_id: str = ""
    k: str | None = None
    shots: int | None = None
    seed: int | None = None
    conditions: str = ""
    sequence: int | None = None  # the order runs finished in under their results folder

    @classmethod
    def from_run(cls, result: RunResult, **changes: Any) -> "LeaderboardRow":
        """A finished run's row; `changes` override fields (the shots table relabels the prompt)."""
        spec = result.spec
        row = cls(
            model=with_options(spec.model, spec.model_args),
            prompt=with_options(spec.prompt, spec.prompt_args),
            parser=identity_parser(spec.parser, result.answer_mode),  # score mode: one row whatever --parser
            task=task_column(spec.to_dict()),
            accuracy=result.score("accuracy"),
            weighted_f1=result.score("weighted_f1"),
            macro_f1=result.score("macro_f1"),
            n=result.n,
            unparsed=result.n_unparsed,
            started=result.started,
            run_id=result.run_id,
            seed=spec.seed,
            conditions=of_run(spec.to_dict(), result.answer_mode, result.prompt_info).text(),
            sequence=result.sequence,
        )
        return cls(**{**asdict(row), **changes}) if changes else row

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def columns() -> tuple[str, ...]:
    """The row's field names, in order: the columns of every leaderboard DataFrame."""
    return tuple(f.name for f in fields(LeaderboardRow))


def frame(rows: Iterable[LeaderboardRow]):
    """Rows -> a DataFrame with one column per field (empty rows keep the columns)."""
    import pandas as pd

    return pd.DataFrame([row.to_dict() for row in rows], columns=list(columns()))


def natural_key(text: Any) -> tuple:
    """Digits compare as numbers: '(5-shot)' sorts before '(10-shot)'."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", str(text)))


def natural_rows(table):
    """A pivot's rows in natural order of their labels (pandas sorts them as plain strings)."""
    def key(index: Any) -> tuple:
        return tuple(natural_key(part) for part in (index if isinstance(index, tuple) else (index,)))
    return table.iloc[sorted(range(len(table.index)), key=lambda i: key(table.index[i]))]
def oldest_first(rows):
    """Rows in the order their runs finished: by the results folder's sequence, whatever the clocks
    said; runs from before it (and published rows) come first, by start time."""
    import pandas as pd

    if "sequence" not in rows:  # a frame built elsewhere (load_runs' tidy rows) has start times only
        return rows.sort_values("started", kind="stable")
    order = pd.to_numeric(rows["sequence"]).fillna(0)
    return rows.assign(_order=order).sort_values(["_order", "started"], kind="stable").drop(columns="_order")


def options_text(args: Mapping[str, Any]) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(args.items()))


def with_options(name: str, args: Mapping[str, Any] | None) -> str:
    return f"{name}[{options_text(args)}]" if args else name


def task_column(spec: Mapping[str, Any]) -> str:
    """Runs are only comparable on the same task variant, split, options and example count."""
    label = f"{spec['task']}:{spec['split']}"
    if spec.get("task_args"):
        label += f"[{options_text(spec['task_args'])}]"
    if spec.get("limit") is not None:
        label += f" (first {spec['limit']})"
    return label
