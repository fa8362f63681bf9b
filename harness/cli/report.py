"""`ercbench significance`, `ercbench plot ...` and `ercbench report`: statistics, plots and the HTML page."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import click

from harness.cli.common import no_runs_line, one_line_errors, where_pairs, writable_folder

results_dir_option = click.option(
    "--results-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_RESULTS", default=Path("results"),
    show_default=True, help="Where finished runs are (or $ERCBENCH_RESULTS).",
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
    from harness.report.significance import compare, verdict
    from harness.results.record import resolve

    with one_line_errors():
        first, second = resolve(run_a, results_dir), resolve(run_b, results_dir)
        result = compare(first, second, resamples=resamples, seed=seed)
    click.echo(f"A: {first.folder.name}\nB: {second.folder.name}")
    for line in verdict(result):
        click.echo(line)


@click.command()
@click.argument("run")
@results_dir_option
@click.option("--example", "examples", multiple=True, metavar="ID", help="This example (repeatable).")
@click.option("--wrong", is_flag=True, help="Only wrong (or unparsed) predictions.")
@click.option("--where", multiple=True, metavar="K=V", callback=where_pairs,
              help="Only predictions whose field K is V: gold, predicted, id, dialogue_id, fallback (repeatable).")
@click.option("--first", type=click.IntRange(min=1), default=5, show_default=True, help="Show at most N examples.")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_DATA",
              help="Data root the prompts are rebuilt from (default: $ERCBENCH_DATA).")
def show(run, results_dir, examples, wrong, where, first, data_dir):
    """The exact prompt, raw answer, parsed label and log-probs of a run's examples.

    RUN is a run folder, a run id under --results-dir, or a unique part of one. The prompt is rebuilt
    from run.json's spec by the same prompt code the run used (a note says when data or settings changed).
    """
    from harness.cli.session import current
    from harness.report import show as shown
    from harness.results.record import resolve

    with one_line_errors():
        loaded = resolve(run, results_dir)
        picked = shown.chosen(loaded.predictions(), examples, wrong, where)
        lines = shown.show(loaded, picked, first, current().context(data_dir=data_dir))
    for line in lines:
        click.echo(line)


out_option = click.option("--out", type=click.Path(path_type=Path), default=Path("plots"), show_default=True,
                          callback=writable_folder, help="Folder for the PNG and SVG files.")


@click.group()
def plot():
    """Figures as PNG and SVG: confusion matrices, per-label F1, few-shot curves, training loss."""


def written(paths) -> None:
    for path in paths:
        click.echo(str(path))


@plot.command("confusion")
@click.argument("runs", nargs=-1, required=True)
@results_dir_option
@out_option
def plot_confusion(runs, results_dir, out):
    """One confusion matrix per RUN (counts and row-normalised), from its predictions.jsonl."""
    from harness.report import plots
    from harness.report.runs import named_runs

    with one_line_errors(), progress_bar("confusion matrices") as progress:
        loaded = named_runs(runs, results_dir)
        for done, run in enumerate(loaded, 1):
            written(plots.save(plots.confusion(run), out, f"confusion-{run.run_id}"))
            progress(done, len(loaded))


@plot.command("labels")
@click.argument("runs", nargs=-1, required=True)
@results_dir_option
@out_option
@click.option("--name", default="labels", show_default=True, help="File name (without suffix).")
def plot_labels(runs, results_dir, out, name):
    """Per-label F1 bars comparing RUNS (which must share a label set)."""
    from harness.report import plots
    from harness.report.runs import named_runs

    with one_line_errors():
        written(plots.save(plots.label_bars(named_runs(runs, results_dir)), out, name))


@plot.command("shots")
@results_dir_option
@out_option
@click.option("--metric", type=click.Choice(["weighted_f1", "accuracy", "macro_f1"]), default="weighted_f1",
              show_default=True, help="Score on the y axis.")
@click.option("--task", "tasks", multiple=True, help="Only these tasks (repeatable; default: all).")
@click.option("--name", default="shots", show_default=True, help="File name (without suffix).")
def plot_shots(results_dir, out, metric, tasks, name):
    """The few-shot curve: score against k, one line per model and prompt, with 95 % CI bands."""
    from harness.cli.session import current
    from harness.report import plots
    from harness.report.runs import load_runs

    with one_line_errors(), progress_bar("confidence intervals") as progress:
        frame = load_runs(current().registry, results_dir, progress=progress)
        if tasks:
            frame = frame[frame["task"].isin(tasks)]
        written(plots.save(plots.shots(frame, metric), out, name))


@plot.command("loss")
@click.argument("checkpoint", type=click.Path(path_type=Path))
@out_option
def plot_loss(checkpoint, out):
    """Training and dev loss (and the dev metric) from a training --out folder, as its trainer logged them."""
    from harness.cli.curves import loss_curve
    from harness.cli.session import current
    from harness.report import plots

    with one_line_errors():
        curve = loss_curve(checkpoint, current().registry)
        written(plots.save(plots.loss(curve), out, f"loss-{checkpoint.resolve().name}"))


@click.command()
@click.argument("runs", nargs=-1)
@results_dir_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("report"), show_default=True,
              callback=writable_folder, help="Folder for report.html.")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_DATA",
              help="Data root, for the dialogue context of wrong predictions (default: $ERCBENCH_DATA).")
@click.option("--sample", type=click.IntRange(min=0), default=10, show_default=True,
              help="Wrong predictions shown per run (a seeded sample).")
@click.option("--checkpoint", "checkpoints", multiple=True, type=click.Path(path_type=Path),
              help="A training --out folder whose loss curve to include (repeatable).")
def report(runs, results_dir, out, data_dir, sample, checkpoints):
    """One self-contained HTML page: leaderboard with CIs, plots, and per run its settings, provenance
    and a sample of wrong predictions in context. RUNS default to every finished run."""
    from harness.cli.contexts import TaskContexts
    from harness.cli.curves import loss_curve
    from harness.cli.session import current
    from harness.report import html
    from harness.report.runs import named_runs

    with one_line_errors(), progress_bar("report") as progress:
        loaded = named_runs(runs, results_dir)
        if not loaded:
            raise click.ClickException(no_runs_line(results_dir))
        curves = [(folder, loss_curve(folder, current().registry)) for folder in checkpoints]
        older = TaskContexts(current().registry, data_dir)  # runs whose folder holds no context.jsonl
        text = html.build(loaded, current().registry, sample=sample, progress=progress, curves=curves,
                          contexts=older)
    path = out / "report.html"
    try:
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}; choose another --out") from None
    click.echo(str(path))
