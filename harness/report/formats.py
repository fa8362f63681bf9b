"""A pivoted leaderboard as Markdown, CSV, JSON, LaTeX or HTML: the same rounded numbers in each."""

from __future__ import annotations

import csv
import html
import io
import json
import math
from dataclasses import dataclass, replace
from typing import Any

from harness.report.conditions import COLUMN, markers, mixing_warning
from harness.report.page import scroll

SHORT = {"accuracy": "acc", "weighted_f1": "wF1", "macro_f1": "mF1"}
MISSING = "-"
COUNT_METRICS = ("unparsed", "seeds")  # whole-number columns, never a best
PLUS_MINUS = " ± "


@dataclass(frozen=True)
class Column:
    group: str  # a task column ("meld:test"), a k ("k=3"), or "all"
    metric: str  # "accuracy", "weighted_f1", "F1 joy" (per-label) or "unparsed"

    @property
    def is_score(self) -> bool:
        return self.metric not in COUNT_METRICS

    @property
    def short(self) -> str:
        return SHORT.get(self.metric, self.metric)

    @property
    def name(self) -> str:
        return f"{self.group} {self.short}"


@dataclass(frozen=True)
class Cell:
    value: float | None
    low: float | None = None
    high: float | None = None
    sd: float | None = None  # across seeds, when the row aggregates several


@dataclass(frozen=True)
class Board:
    """Row labels, columns and cells of a leaderboard, independent of the output format."""

    index_names: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    columns: tuple[Column, ...]
    cells: tuple[tuple[Cell, ...], ...]
    ci: bool = False
    #: the conditions column's letters and what each stands for; a warning when the rows differ in them
    legend: tuple[tuple[str, str], ...] = ()
    warning: str = ""

    def is_best(self, row: int, col: int) -> bool:
        """The best (highest, as shown rounded) score of its column; ties are all best."""
        column = self.columns[col]
        shown = [score for c in self.cells if (score := number(c[col].value)) is not None]
        # A column where every row shows the same number has no best.
        if not column.is_score or len(set(shown)) < 2 or self.cells[row][col].value is None:
            return False
        return number(self.cells[row][col].value) == max(shown)

    def has_ci(self, col: int) -> bool:
        return self.ci and any(row[col].low is not None for row in self.cells)

    def has_sd(self, col: int) -> bool:
        return any(row[col].sd is not None for row in self.cells)
    def notes(self) -> list[str]:
        """Lines shown under the table: the conditions legend, then the mixing warning."""
        return [f"{mark} = {text}" for mark, text in self.legend] + ([self.warning] if self.warning else [])


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _known(value: float | None) -> float | None:
    """The value, or None where it is missing (None or NaN)."""
    return None if _missing(value) else value


def number(value: float | None) -> float | None:
    """A score as every format shows it: a percentage rounded to 2 decimals."""
    known = _known(value)
    return None if known is None else round(100 * float(known), 2)


def text(cell: Cell, column: Column) -> str:
    value, sd = _known(cell.value), _known(cell.sd)
    if value is None:
        return MISSING
    if not column.is_score:
        return str(int(value))
    spread = "" if sd is None else f"{PLUS_MINUS}{100 * sd:.2f}"
    return f"{100 * value:.2f}{spread}"


def ci_text(cell: Cell) -> str:
    low, high = _known(cell.low), _known(cell.high)
    if low is None or high is None:
        return ""
    return f"[{100 * low:.2f}, {100 * high:.2f}]"


def board(table, ci: bool = False) -> Board:
    """From a pivot (columns (group, value)); '_lo'/'_hi' values become the CI of their score, '_sd'
    its standard deviation across seeds."""
    bounds = ("_lo", "_hi")
    columns = tuple(Column(str(g), str(m)) for g, m in table.columns if not str(m).endswith((*bounds, "_sd")))
    rows, cells = [], []
    for index, row in table.iterrows():
        rows.append(tuple(str(part) for part in (index if isinstance(index, tuple) else (index,))))
        line = []
        for column in columns:
            key = (column.group, column.metric)
            low, high = (row.get((column.group, f"{column.metric}{side}")) for side in bounds)
            value, sd = row[key], row.get((column.group, f"{column.metric}_sd"))
            line.append(Cell(*(None if _missing(x) else float(x) for x in (value, low, high, sd))))
        cells.append(tuple(line))
    names = tuple(str(name) for name in table.index.names)
    return with_markers(Board(names, tuple(rows), columns, tuple(cells), ci))


def with_markers(b: Board) -> Board:
    """The conditions column (present beside published rows) as letters with a legend, so it stays narrow."""
    if COLUMN not in b.index_names:
        return b
    i = b.index_names.index(COLUMN)
    texts = [row[i] for row in b.rows]
    marks = markers(texts)
    rows = tuple((*row[:i], marks.get(row[i], row[i]), *row[i + 1:]) for row in b.rows)
    return replace(b, rows=rows, legend=tuple((m, t) for t, m in marks.items()), warning=mixing_warning(texts))


def full_labels(b: Board, labels: tuple[str, ...]) -> tuple[str, ...]:
    """Row labels with the conditions letter spelled out (CSV and JSON carry no legend)."""
    if COLUMN not in b.index_names:
        return labels
    i, spelled = b.index_names.index(COLUMN), dict(b.legend)
    return (*labels[:i], spelled.get(labels[i], labels[i]), *labels[i + 1:])


def to_markdown(b: Board) -> str:
    """A GitHub table; the best score per column in bold, the CI after the score."""
    def esc(value: str) -> str:
        return value.replace("|", "\\|")

    header = "| " + " | ".join(esc(n) for n in (*b.index_names, *(c.name for c in b.columns))) + " |"
    rule = "|" + "|".join(["---"] * len(b.index_names) + ["--:"] * len(b.columns)) + "|"
    body = []
    for r, (labels, cells) in enumerate(zip(b.rows, b.cells)):
        shown = []
        for c, (cell, column) in enumerate(zip(cells, b.columns)):
            value = f"**{text(cell, column)}**" if b.is_best(r, c) else text(cell, column)
            shown.append(f"{value} {ci_text(cell)}".strip() if b.ci else value)
        body.append("| " + " | ".join([*(esc(x) for x in labels), *shown]) + " |")
    notes = ["", *(f"- {esc(note)}" for note in b.notes())] if b.notes() else []
    return "\n".join([header, rule, *body, *notes]) + "\n"


def _flat(b: Board) -> tuple[list[str], list[list[Any]]]:
    """Header and rows with separate 'lo'/'hi' columns for CIs; values as numbers (None = missing)."""
    header = list(b.index_names)
    for c, column in enumerate(b.columns):
        header += [column.name] + ([f"{column.name} lo", f"{column.name} hi"] if b.has_ci(c) else [])
        header += [f"{column.name} sd"] if b.has_sd(c) else []
    rows = []
    for labels, cells in zip(b.rows, b.cells):
        values: list[Any] = list(full_labels(b, labels))
        for c, (cell, column) in enumerate(zip(cells, b.columns)):
            known = _known(cell.value)
            values.append(number(known) if column.is_score else (None if known is None else int(known)))
            if b.has_ci(c):
                values += [number(cell.low), number(cell.high)]
            if b.has_sd(c):
                values.append(number(cell.sd))
        rows.append(values)
    return header, rows


def to_csv(b: Board) -> str:
    header, rows = _flat(b)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([MISSING if v is None else (f"{v:.2f}" if isinstance(v, float) else v) for v in row])
    return out.getvalue()


def to_json(b: Board) -> str:
    """Records; missing values are null (JSON's own missing), numbers as in the other formats."""
    header, rows = _flat(b)
    return json.dumps([dict(zip(header, row)) for row in rows], indent=2, ensure_ascii=False) + "\n"


LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                 "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def latex_escape(value: str) -> str:
    return "".join(LATEX_SPECIAL.get(char, char) for char in value)


def _groups(b: Board) -> list[tuple[str, int]]:
    """Consecutive columns of one group: (group, span)."""
    spans: list[tuple[str, int]] = []
    for column in b.columns:
        if spans and spans[-1][0] == column.group:
            spans[-1] = (column.group, spans[-1][1] + 1)
        else:
            spans.append((column.group, 1))
    return spans


def to_latex(b: Board) -> str:
    """A booktabs tabular (needs \\usepackage{booktabs}); best per column in bold."""
    first = len(b.index_names)
    lines = [r"\begin{tabular}{" + "l" * first + "r" * len(b.columns) + "}", r"\toprule"]
    groups, rules, start = [], [], first + 1
    for group, span in _groups(b):
        groups.append(rf"\multicolumn{{{span}}}{{c}}{{{latex_escape(group)}}}")
        rules.append(rf"\cmidrule(lr){{{start}-{start + span - 1}}}")
        start += span
    lines.append(" & " * first + " & ".join(groups) + r" \\")
    lines.append(" ".join(rules))
    lines.append(" & ".join(latex_escape(n) for n in (*b.index_names, *(c.short for c in b.columns))) + r" \\")
    lines.append(r"\midrule")
    for r, (labels, cells) in enumerate(zip(b.rows, b.cells)):
        shown = []
        for c, (cell, column) in enumerate(zip(cells, b.columns)):
            value = text(cell, column).replace(PLUS_MINUS, r" $\pm$ ")
            value = rf"\textbf{{{value}}}" if b.is_best(r, c) else value
            interval = ci_text(cell)
            shown.append(rf"{value} {{\scriptsize {interval}}}" if b.ci and interval else value)
        lines.append(" & ".join([*(latex_escape(x) for x in labels), *shown]) + r" \\")
    lines.append(r"\bottomrule")
    width = first + len(b.columns)
    lines += [rf"\multicolumn{{{width}}}{{l}}{{\footnotesize {latex_escape(note)}}} \\" for note in b.notes()]
    lines.append(r"\end{tabular}")
    return "\n".join(lines) + "\n"


def to_html(b: Board) -> str:
    """A <table> fragment (group header row, metric row); best per column in <strong>."""
    e = html.escape
    first = "".join(f'<th rowspan="2">{e(n)}</th>' for n in b.index_names)
    groups = "".join(f'<th colspan="{span}">{e(group)}</th>' for group, span in _groups(b))
    metrics = "".join(f"<th>{e(c.short)}</th>" for c in b.columns)
    body = []
    for r, (labels, cells) in enumerate(zip(b.rows, b.cells)):
        shown = []
        for c, (cell, column) in enumerate(zip(cells, b.columns)):
            value = e(text(cell, column))
            value = f"<strong>{value}</strong>" if b.is_best(r, c) else value
            interval = ci_text(cell)
            extra = f' <span class="ci">{e(interval)}</span>' if b.ci and interval else ""
            shown.append(f'<td class="num">{value}{extra}</td>')
        body.append("<tr>" + "".join(f"<td>{e(x)}</td>" for x in labels) + "".join(shown) + "</tr>")
    width = len(b.index_names) + len(b.columns)
    notes = "".join(f'<tr><td colspan="{width}" class="note">{e(note)}</td></tr>\n' for note in b.notes())
    return scroll(
        '<table class="leaderboard">\n<thead>\n'
        f"<tr>{first}{groups}</tr>\n<tr>{metrics}</tr>\n</thead>\n<tbody>\n"
        + "\n".join(body) + "\n</tbody>\n"
        + (f"<tfoot>\n{notes}</tfoot>\n" if notes else "") + "</table>"
    ) + "\n"


def to_html_page(b: Board, title: str = "ercbench leaderboard") -> str:
    from harness.report.page import page

    return page(title, f"<h1>{html.escape(title)}</h1>\n{to_html(b)}")
