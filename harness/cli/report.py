"""`ercbench significance`, `ercbench plot ...` and `ercbench report`: statistics, plots and the HTML page."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import click

from harness.cli.common import one_line_errors

results_dir_option = click.option(
    "--results-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_RESULTS", default=Path("results"),
    show_default=True, help="Where finished runs are (default: $ERCBENCH_RESULTS or results/).",
)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A transient progress bar on stderr (stdout keeps only results), as `run` shows."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if not console.is_terminal:  # a live bar needs a terminal; piped, it would only leave a blank line
        yield lambda done, total: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True, console=console) as progress:
        bar = progress.add_task(label, total=None)
        yield lambda done, total: progress.update(bar, completed=done, total=total)


@click.command()
@click.argument("run_a")
@click.argument("run_b")
@results_dir_option
@click.option("--resamples", type=click.IntRange(min=100), default=1000, show_default=True,
              help="Paired bootstrap resamples (whole dialogues).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap draws.")
def significance(run_a, run_b, results_dir, resamples, seed):
    """Is RUN_B better than RUN_A? Paired dialogue bootstrap and McNemar's exact test, in plain words.

    RUN_A and RUN_B are run folders, run ids under --results-dir, or unique parts of run ids.
    """
    from harness.report import runs
    from harness.report.significance import compare_folders, verdict

    with one_line_errors():
        folder_a, folder_b = runs.resolve(run_a, results_dir), runs.resolve(run_b, results_dir)
        result = compare_folders(folder_a, folder_b, resamples=resamples, seed=seed)
    click.echo(f"A: {folder_a.name}\nB: {folder_b.name}")
    for line in verdict(result):
        click.echo(line)
