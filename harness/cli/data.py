"""`ercbench data fetch|stats`: get the datasets and check their counts against the published ones."""

from __future__ import annotations

import difflib
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import click

from harness.cli.common import one_line_errors, parse_options
from harness.data.files import DATA_ENV
from harness.errors import ConfigError

# The library is imported inside the commands, so that `ercbench --help` stays fast.
if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID
    from rich.table import Table

    from harness.data.fetch import ProgressHook
    from harness.interfaces import Task


def make_task(name: str, data_dir: str | None, pairs: tuple[str, ...]) -> "Task":
    from harness.cli.session import current

    cls = current().registry.task(name)
    return cls(Path(data_dir) if data_dir else None, **parse_options(pairs, "--task-opt"))


@click.group("data")
def data() -> None:
    """Fetch datasets and show their statistics."""


@contextmanager
def download_progress(console: "Console") -> Iterator["ProgressHook"]:
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    # Off a terminal (a log file) a bar leaves only junk lines; the fetched files are listed after.
    with Progress(*columns, console=console, transient=False, disable=not console.is_terminal) as progress:
        bars: dict[str, TaskID] = {}

        def hook(relative: str, done: int, total: int | None) -> None:
            if relative not in bars:
                bars[relative] = progress.add_task(relative, total=total)
            progress.update(bars[relative], completed=done)

        yield hook


@data.command("fetch")
@click.argument("name")
@click.option("--dest", type=click.Path(file_okay=False),
              help=f"data root to write into (default ${DATA_ENV} or ./data)")
@click.option(
    "--from", "mirror", type=click.Path(exists=True, file_okay=False),
    help="copy from a local mirror instead of downloading",
)
def fetch(name: str, dest: str | None, mirror: str | None) -> None:
    """Download NAME's files (e.g. meld, emorynlp) with pinned sha256 checksums, atomically."""
    from rich.console import Console

    from harness.cli.session import current
    from harness.data.fetch import fetch_all

    console = Console(stderr=True)
    with one_line_errors():
        registry = current().registry
        cls = registry.task(name) if name in registry.names("tasks") else None
        files, notice = getattr(cls, "remote_files", {}), getattr(cls, "fetch_notice", "")
        if not files and not notice:
            raise ConfigError(not_fetchable(registry, name))
        if notice:
            click.echo(notice)
        if not files:
            return
        root = Path(dest or os.environ.get(DATA_ENV) or "data").expanduser()
        with download_progress(console) as hook:
            fetched = fetch_all(files, root, Path(mirror) if mirror else None, hook)
    for item in fetched:
        click.echo(f"{item.status:10} {item.path}")
    click.echo(f"data root: {root} (pass --data-dir {root} or set {DATA_ENV}={root})")


def not_fetchable(registry, name: str) -> str:
    """Why `data fetch NAME` has nothing to do, naming only the tasks it can fetch."""
    names = registry.names("tasks")
    ready = [task for task in names if getattr(registry.task(task), "remote_files", None)]
    manual = [task for task in names if task not in ready and bool(getattr(registry.task(task), "fetch_notice", ""))]
    what = f"task {name!r} has no files to fetch" if name in names else f"unknown task {name!r}"
    close = difflib.get_close_matches(name, ready + manual, n=2, cutoff=0.5)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    steps = f"; with manual steps: {', '.join(manual)}" if manual else ""
    return f"{what}{hint}; fetchable: {', '.join(ready) or 'none'}{steps}"


def stats_table(stats: dict) -> "Table":
    from rich.markup import escape
    from rich.table import Table

    info = stats["info"]
    formats = info.get("format")
    if isinstance(formats, dict):
        formats = ", ".join(f"{split}={fmt}" for split, fmt in formats.items())
    # Names come from data files and plugins: escaped, so rich shows '[x]' instead of reading it as markup.
    table = Table(title=escape(f"{stats['task']} (variant {info.get('variant', '?')})"),
                  caption=escape(f"format: {formats or '?'}"))
    for column in ("split", "utterances", "dialogues", *next(iter(stats["splits"].values()))["labels"]):
        table.add_column(escape(column), justify="left" if column == "split" else "right")
    for split, row in stats["splits"].items():
        table.add_row(escape(split), str(row["utterances"]), str(row["dialogues"]), *map(str, row["labels"].values()))
    return table


@data.command("stats")
@click.argument("task")
@click.option("--data-dir", type=click.Path(file_okay=False), help=f"data root (default ${DATA_ENV})")
@click.option("--task-opt", "task_opts", multiple=True, metavar="K=V", help="task option, repeatable")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="output format")
def stats(task: str, data_dir: str | None, task_opts: tuple[str, ...], fmt: str) -> None:
    """Per-split utterances, dialogues and label distribution of TASK."""
    from rich.console import Console

    from harness.data.stats import task_stats

    with one_line_errors():
        result = task_stats(make_task(task, data_dir, task_opts))
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        console = Console()
        if not console.is_terminal:  # piped output: do not squeeze the table to 80 columns
            console = Console(width=160)
        console.print(stats_table(result))
