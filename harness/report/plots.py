"""Figures for papers (matplotlib, no display needed): confusion, per-label F1, few-shot curve, training loss."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from harness.errors import ConfigError
from harness.report import identity
from harness.results.record import FinishedRun
from harness.types import LossCurve, Prediction

UNPARSED = "(unparsed)"
METRIC_NAMES = {"accuracy": "accuracy", "weighted_f1": "weighted F1", "macro_f1": "macro F1"}


def figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def save(fig, out_dir: Path, name: str, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """name.png and name.svg (or the formats given) in out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix in formats:
        path = out_dir / f"{name}.{suffix}"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        paths.append(path)
    return paths


def confusion_counts(rows: Sequence[Prediction], labels: Sequence[str]) -> tuple[list[str], list[list[int]]]:
    """Gold x predicted counts; an '(unparsed)' column is added when some answer was unreadable."""
    columns = list(labels)
    if any(row.predicted not in labels for row in rows):
        columns.append(UNPARSED)
    index: dict[str | None, int] = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(columns) for _ in labels]
    for row in rows:
        if row.gold in index:
            matrix[index[row.gold]][index.get(row.predicted, len(columns) - 1)] += 1
    return columns, matrix


def _heatmap(axes, matrix, rows: Sequence[str], columns: Sequence[str], title: str, fmt) -> None:
    image = axes.imshow(matrix, cmap="Blues", vmin=0)
    axes.set_xticks(range(len(columns)), columns, rotation=45, ha="right")
    axes.set_yticks(range(len(rows)), rows)
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    axes.set_title(title)
    top = max((v for line in matrix for v in line), default=0) or 1
    for i, line in enumerate(matrix):
        for j, value in enumerate(line):
            axes.text(j, i, fmt(value), ha="center", va="center", fontsize=8,
                      color="white" if value > top / 2 else "black")
    axes.figure.colorbar(image, ax=axes, shrink=0.8)


def confusion(run: FinishedRun):
    """Counts and row-normalised (each gold label's row sums to 1) side by side, from the run's predictions."""
    labels = list(run.result.labels)
    columns, counts = confusion_counts(run.predictions(), labels)
    normalised = [[v / sum(line) if sum(line) else 0.0 for v in line] for line in counts]
    size = 3 + 0.55 * len(columns)
    fig = figure(2 * size + 1, size)
    left, right = fig.subplots(1, 2)
    _heatmap(left, counts, labels, columns, "counts", str)
    _heatmap(right, normalised, labels, columns, "row-normalised (recall per gold label)", lambda v: f"{v:.2f}")
    fig.suptitle(wrapped(run_title(run), fig.get_figwidth(), 10), fontsize=10)
    return fig


def run_title(run: FinishedRun) -> str:
    return identity.run_label(run.spec.to_dict())


def run_label(run: FinishedRun) -> str:
    """A legend entry under a heading that names the task column already."""
    return identity.run_label(run.spec.to_dict(), task=False)


def label_bars(runs: Sequence[FinishedRun]):
    """Per-label F1, one bar per run within each label's group; runs must share a label set."""
    labels = runs[0].result.labels
    for run in runs[1:]:
        if run.result.labels != labels:
            raise ConfigError(f"run {run.run_id} has another label set than {runs[0].run_id}: plot them apart")
    fig = figure(min(12.0, max(6.0, 0.25 * len(labels) * len(runs) + 3)), 4.2)
    axes = fig.subplots()
    width = 0.8 / len(runs)
    for i, run in enumerate(runs):
        values = [100 * run.result.label_f1(label) for label in labels]
        positions = [x + (i - (len(runs) - 1) / 2) * width for x in range(len(labels))]
        axes.bar(positions, values, width, label=run_label(run))
    axes.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    axes.set_ylabel("F1 (%)")
    axes.set_ylim(0, 100)
    axes.set_title("per-label F1")
    handles, names = axes.get_legend_handles_labels()
    # Outside the axes, in the figure: the constrained layout keeps room for it, so no saving cuts it.
    fig.legend(handles, [wrapped(name, fig.get_figwidth(), 8) for name in names], fontsize=8,
               loc="outside lower center")
    return fig


def below(axes) -> None:
    """The legend under the plot, each label wrapped to the axes' width: a legend wider than the figure would
    collapse the constrained layout (matplotlib warns, and the saved image cuts the labels)."""
    handles, labels = axes.get_legend_handles_labels()
    width = axes.figure.get_figwidth() / len(axes.figure.axes)
    labels = [wrapped(label, width, 8) for label in labels]
    axes.legend(handles, labels, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=1)


def wrapped(text: str, inches: float, points: float) -> str:
    """Text broken onto lines that fit `inches` at `points` size (a character is about half an em)."""
    import textwrap

    return textwrap.fill(text, width=max(20, int(inches * 72 / (0.6 * points))), break_on_hyphens=False)


def shots(frame, metric: str = "weighted_f1"):
    """Score against k: one line per model and prompt options, a 95 % CI band, one panel per task."""
    if metric not in METRIC_NAMES:
        raise ConfigError(f"unknown metric {metric!r}; choose {', '.join(METRIC_NAMES)}")
    data = frame[frame["shots"].notna()].copy()
    if data.empty:
        raise ConfigError("no zero-shot or k-shot runs to plot; run `ercbench compare --shots 0,1,3,5` first")
    data["panel"] = [panel_title(row) for _, row in data.iterrows()]
    data["line"] = [curve_label(row) for _, row in data.iterrows()]
    panels = sorted(data["panel"].unique())
    fig = figure(5.5 * len(panels), 4)
    axes_list = fig.subplots(1, len(panels), squeeze=False)[0]
    for axes, panel in zip(axes_list, panels):
        for line, points in data[data["panel"] == panel].groupby("line"):
            # One line holds runs that differ in k alone: a second run at one k is a rerun of the same spec.
            points = points.sort_values("started").groupby("shots").tail(1).sort_values("shots")
            ks = points["shots"].astype(int).tolist()
            axes.plot(ks, 100 * points[metric], marker="o", label=line.strip())
            if points[f"{metric}_lo"].notna().all():
                axes.fill_between(ks, 100 * points[f"{metric}_lo"], 100 * points[f"{metric}_hi"], alpha=0.2)
        axes.set_xticks(sorted(data[data["panel"] == panel]["shots"].astype(int).unique()))
        axes.set_xlabel("k (demonstrations)")
        axes.set_ylabel(f"{METRIC_NAMES[metric]} (%)")
        axes.set_title(panel)
        below(axes)
    return fig


def options(text: Any) -> dict[str, str]:
    """'a=1,b=2' (a tidy frame's options column) -> {'a': '1', 'b': '2'}."""
    if not isinstance(text, str) or not text:
        return {}
    return dict(part.split("=", 1) for part in text.split(",") if "=" in part)


def whole(value: Any) -> int | None:
    """An integer cell of a frame (Int64 columns hold pd.NA where missing)."""
    import pandas as pd

    return None if value is None or pd.isna(value) else int(value)


def panel_title(row: Mapping[str, Any]) -> str:
    """A few-shot panel: task variant, split and example count (runs on other data never share a panel)."""
    return identity.task_column({"task": row["task"], "split": row["split"], "task_args": options(row["task_options"]),
                                 "limit": whole(row.get("limit"))})


def curve_label(row: Mapping[str, Any]) -> str:
    """A few-shot line: everything but k, so a line joins only runs that differ in k alone."""
    prompt = {key: value for key, value in options(row["prompt_options"]).items()
              if key != "k" and (key, value) != ("selection", "random")}  # random is k-shot's default
    spec = {"model": row["model"], "model_args": options(row["model_options"]), "parser": row.get("parser"),
            "seed": whole(row.get("seed"))}
    return identity.curve_label(spec, prompt)


def loss(curve: LossCurve):
    """Training loss per logging step and dev loss per evaluation (and the dev metric, right axis)."""
    fig = figure(6.5, 4)
    axes = fig.subplots()
    if curve.train:
        axes.plot(*zip(*curve.train), label="train loss")
    if curve.dev:
        axes.plot(*zip(*curve.dev), marker="o", label="dev loss")
    if curve.dev_metric and curve.dev_metric[1]:
        name, points = curve.dev_metric
        right = axes.twinx()
        right.plot(*zip(*points), color="tab:green", marker="s", linestyle="--", label=f"dev {name}")
        right.set_ylabel(f"dev {name}")
        right.legend(loc="upper right", fontsize=8)
    axes.set_xlabel("optimizer step")
    axes.set_ylabel("loss")
    axes.set_title(curve.title)
    axes.legend(loc="upper left", fontsize=8)
    return fig
