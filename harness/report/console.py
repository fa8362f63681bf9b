"""A leaderboard for the terminal: fits the width (abbreviated headers plus a legend), never cut to '…'."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from harness.report.formats import Board, ci_text, text


def unique_prefixes(names: list[str], least: int = 3) -> dict[str, str]:
    """The shortest prefix (at least `least` characters) telling each name from the others."""
    short = {}
    for name in names:
        size = least
        while size < len(name) and any(o != name and o.startswith(name[:size]) for o in names):
            size += 1
        short[name] = name[:size]
    return short


def headers(b: Board, compact: bool) -> tuple[list[str], list[str]]:
    """Column headers and, when compact, the legend lines that explain the abbreviations."""
    if not compact:
        return [f"{c.group}\n{c.short}" for c in b.columns], []
    # Short groups ("k=3", "all") stay as they are; task columns become T1, T2, ...
    groups = list(dict.fromkeys(c.group for c in b.columns if len(c.group) > 6))
    tags = {group: f"T{i}" for i, group in enumerate(groups, 1)}
    labels = [c.metric[3:] for c in b.columns if c.metric.startswith("F1 ")]
    prefix = unique_prefixes(list(dict.fromkeys(labels)))
    names = []
    for c in b.columns:
        metric = prefix[c.metric[3:]] if c.metric.startswith("F1 ") else c.short
        names.append(f"{tags.get(c.group, c.group)}\n{metric}")
    legend = [f"{tag} = {group}" for group, tag in tags.items()]
    legend += [f"{short} = F1 {label}" for label, short in prefix.items()]
    return names, legend


def constant_columns(b: Board) -> list[int]:
    """Row-label columns with a single value across several rows (moved to the caption when tight)."""
    if len(b.rows) < 2:
        return []
    return [i for i in range(len(b.index_names)) if len({row[i] for row in b.rows}) == 1]


INDEX_WIDTH = 28  # longer row labels (model options) fold onto more lines


def _widths(b: Board, names: list[str]) -> list[int]:
    """The width each score column needs: its widest value, interval or header line."""
    widths = []
    for c, name in enumerate(names):
        cells = [text(row[c], b.columns[c]) for row in b.cells]
        cells += [ci_text(row[c]) for row in b.cells] if b.ci else []
        widths.append(max([len(x) for x in cells] + [len(part) for part in name.split("\n")]))
    return widths


def natural_label_widths(b: Board, dropped: list[int]) -> dict[int, int]:
    return {i: min(INDEX_WIDTH, max(len(b.index_names[i]), *(len(r[i]) for r in b.rows)))
            for i in range(len(b.index_names)) if i not in dropped}


def label_widths(b: Board, dropped: list[int], width: int) -> dict[int, int]:
    """Row-label column widths when the line is tight: natural, but together at most ~45 % of it (they fold)."""
    natural = natural_label_widths(b, dropped)
    budget = max(int(0.45 * width) - 3 * len(natural), 8 * len(natural))
    total = sum(natural.values())
    if total <= budget:
        return natural
    # Never narrower than a label's longest word: rich folds a word only when it cannot fit whole.
    return {i: max(longest_word(b, i), min(w, max(8, budget * w // total))) for i, w in natural.items()}


def longest_word(b: Board, i: int) -> int:
    return min(INDEX_WIDTH, max(len(word) for row in b.rows for word in row[i].split()))


def chunks(b: Board, names: list[str], dropped: list[int], width: int) -> list[list[int]]:
    """Score columns split into groups that fit beside the row labels (each column adds 3 for borders)."""
    used = 1 + sum(w + 3 for w in label_widths(b, dropped, width).values())
    groups: list[list[int]] = [[]]
    room = width - used
    for c, need in enumerate(_widths(b, names)):
        if groups[-1] and need + 3 > room:
            groups.append([])
            room = width - used
        groups[-1].append(c)
        room -= need + 3
    return groups


def build(b: Board, columns: list[int], names: list[str], dropped: list[int], title: str | None,
          caption: str | None, label_sizes: dict[int, int]):
    from rich.markup import escape
    from rich.table import Table

    # Labels are user text: '[mode=score]' must show, not be read as rich markup.
    table = Table(title=title and escape(title), caption=caption and escape(caption))
    for i, size in label_sizes.items():
        table.add_column(escape(b.index_names[i]), overflow="fold", max_width=size)
    widths = _widths(b, names)
    for c in columns:
        table.add_column(escape(names[c]), justify="right", no_wrap=True, min_width=widths[c])
    for r, (labels, cells) in enumerate(zip(b.rows, b.cells)):
        shown = [escape(label) for i, label in enumerate(labels) if i not in dropped]
        for c in columns:
            cell = cells[c]
            value = text(cell, b.columns[c])
            value = f"[bold green]{value}[/]" if b.is_best(r, c) else value
            interval = ci_text(cell) if b.ci else ""
            shown.append(f"{value}\n[dim]{interval}[/]" if interval else value)
        table.add_row(*shown)
    return table


def render(b: Board, console: Any, title: str = "ercbench leaderboard") -> None:
    """Print the board in the console's width: full headers when they fit; else abbreviated headers
    with a legend, constant row labels in the caption, and score columns split over several tables."""
    everything = list(range(len(b.columns)))
    names, legend = headers(b, compact=False)
    natural = 1 + sum(max(len(n), *(len(r[i]) for r in b.rows)) + 3 for i, n in enumerate(b.index_names))
    if natural + sum(need + 3 for need in _widths(b, names)) <= console.width:
        full = {i: max(len(n), *(len(r[i]) for r in b.rows)) for i, n in enumerate(b.index_names)}
        console.print(build(b, everything, names, [], title, None, full))
        print_notes(b, console)
        return
    # Tight: labels may wrap, so they get spaces between their options to wrap at.
    b = replace(b, rows=tuple(tuple(breakable(label) for label in row) for row in b.rows))
    names, legend = headers(b, compact=True)
    dropped = constant_columns(b)
    caption = "; ".join(f"{b.index_names[i]}: {b.rows[0][i]}" for i in dropped) or None
    for number, group in enumerate(chunks(b, names, dropped, console.width)):
        sizes = label_widths(b, dropped, console.width)
        console.print(build(b, group, names, dropped, title if number == 0 else None, caption, sizes))
    print_legend(legend, console)
    print_notes(b, console)


def print_notes(b: Board, console: Any) -> None:
    """The conditions legend and the mixing warning, as plain text (user text is never markup)."""
    for mark, spelled in b.legend:
        console.print(f"{mark} = {spelled}", markup=False, highlight=False, overflow="fold")
    if b.warning:
        console.print(b.warning, style="yellow", markup=False, highlight=False, overflow="fold")


def print_legend(entries: list[str], console: Any) -> None:
    """Entries joined on lines of the console's width, never split inside an entry."""
    line = ""
    for entry in entries:
        if line and len(line) + 3 + len(entry) > console.width:
            console.print(line, highlight=False, markup=False, overflow="fold")
            line = ""
        line = f"{line} · {entry}" if line else entry
    if line:
        console.print(line, highlight=False, markup=False, overflow="fold")


def breakable(label: str) -> str:
    """A row label rich may wrap between options: it breaks lines only at spaces, so a space goes before
    '[' and after ',' ('hf:x [mode=score, k=3]'); only a single name longer than the column is folded."""
    return label.replace("[", " [").replace(",", ", ").replace("  ", " ")
