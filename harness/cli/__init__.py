"""The `ercbench` command line: a thin click layer over the library (imports it lazily, for speed)."""

from __future__ import annotations

import difflib
import itertools
from pathlib import Path

import click

from harness.cli.common import (
    ErcbenchGroup,
    Limit,
    no_runs_line,
    one_name_per_flag,
    one_pair_per_flag,
    parse_options,
    results_folder,
    takes,
    where_pairs,
)
from harness.errors import ConfigError, ErcbenchError
from harness.run.parsing import PARSERS

EMPTY = "''"
SEED_HELP = "Seeds demonstration choice, fallback guesses and fitted baselines."


def verify_inputs(ctx, param, value):
    """--verify-inputs holds for every run of this command and the processes it launches."""
    if value:
        import os

        from harness.plumbing.fingerprint import VERIFY_ENV

        os.environ[VERIFY_ENV] = "1"


def run_options(func):
    """Options shared by `run` and `compare`."""
    decorators = [
        click.option("--split", default="test", show_default=True, help="Split to evaluate."),
        click.option("--limit", type=Limit(), help="Only the first N examples."),
        click.option("--parser", type=click.Choice(sorted(PARSERS)), default="strict", show_default=True,
                     help="How generated text is read (score mode needs none): strict, lenient, or dialoguellm "
                          "(the paper's, with a seeded guess when no label matches)."),
        click.option("--task-opt", "task_opts", multiple=True, metavar="K=V", help="Task option."),
        click.option("--prompt-opt", "prompt_opts", multiple=True, metavar="K=V", help="Prompt option."),
        click.option("--model-opt", "model_opts", multiple=True, metavar="K=V", help="Model option."),
        click.option("--data-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_DATA",
                     help="Data root (default: $ERCBENCH_DATA)."),
        click.option("--results-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_RESULTS",
                     default=Path("results"), show_default=True, callback=results_folder,
                     help="Folder to write runs into (or $ERCBENCH_RESULTS)."),
        click.option("--resume", is_flag=True, help="Continue an interrupted run of the same spec."),
        click.option("--force", is_flag=True,
                     help="Recompute even when a finished run of the same spec and inputs exists."),
        click.option("--no-wait", is_flag=True,
                     help="Refuse, instead of waiting, when another process runs the same spec."),
        click.option("--verify-inputs", is_flag=True, expose_value=False, callback=verify_inputs,
                     help="Hash weight files again instead of trusting the per-user fingerprint cache."),
        click.option("--no-cache", "no_cache", is_flag=True,
                     help="Refit classical baselines instead of reusing a cached fit ($ERCBENCH_CACHE or "
                          "<results dir>/.cache)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


class MainGroup(ErcbenchGroup):
    """The built-in commands, then those plugins contribute (collected only when a name is not built in)."""

    def plugin_commands(self) -> dict[str, click.Command]:
        from harness.discovery import default_commands

        try:
            commands = default_commands()
        except ErcbenchError as exc:
            raise click.ClickException(str(exc)) from None
        for name, (_, origin) in commands.items():
            if name in self.commands:
                raise click.ClickException(f"plugin {origin.plugin!r} registers command {name!r}, a built-in command")
        return {name: command for name, (command, _) in commands.items()}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.plugin_commands()))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self.plugin_commands().get(name)


@click.group(cls=MainGroup)
@click.version_option(package_name="ercbench")
def main():
    """Benchmark emotion recognition in conversations: tasks x prompts x models."""


@main.command()
def plugins():
    """Installed plugins, with the distribution and version that supplied each class."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from harness.cli.session import current
    from harness.discovery import default_commands

    table = Table(title="ercbench plugins")
    for column in ("kind", "name", "plugin", "distribution", "version"):
        table.add_column(column)
    for entry in current().registry.all():
        origin = entry.origin
        table.add_row(*map(escape, (entry.kind[:-1], entry.name, origin.plugin, origin.distribution, origin.version)))
    for name, (_, origin) in sorted(default_commands().items()):
        table.add_row(*map(escape, ("command", name, origin.plugin, origin.distribution, origin.version)))
    Console().print(table)


@main.command("list")
@click.argument("kind", type=click.Choice(["tasks", "prompts", "models", "trainers", "describers"]))
@click.option("--options", "show_options", is_flag=True, help="Also each plugin's options: type, default, help.")
def list_plugins(kind, show_options):
    """Names and one-line descriptions of the installed tasks, prompts, models, trainers or describers."""
    from harness.cli.session import current

    registry = current().registry
    for name in registry.names(kind):
        cls = registry.get(kind, name).cls
        marker = " (default)" if name in registry.defaults(kind) else ""
        click.echo(f"{name:<24} {cls.description}{marker}")
        if show_options:
            rows = cls.Options.describe()
            defaults = ["required" if row.default is None else f"default {row.default or EMPTY}" for row in rows]
            widths = [max((len(text) for text in column), default=0) for column in
                      ([row.name for row in rows], [row.type for row in rows], defaults)]  # long choices stay aligned
            for row, default in zip(rows, defaults):
                click.echo(f"    {row.name:<{widths[0]}}  {row.type:<{widths[1]}}  {default:<{widths[2]}}  {row.help}")


def make_spec(task, prompt, model, split, limit, seed, parser, task_opts, prompt_opts, model_opts):
    from harness.types import RunSpec, frozen_mapping

    return RunSpec(
        task=task, prompt=prompt, model=model, split=split, seed=seed, limit=limit, parser=parser,
        task_args=frozen_mapping(parse_options(task_opts, "--task-opt")),
        prompt_args=frozen_mapping(parse_options(prompt_opts, "--prompt-opt")),
        model_args=frozen_mapping(parse_options(model_opts, "--model-opt")),
    )


FLAGS = {"tasks": ("-t", "--task-opt"), "prompts": ("-p", "--prompt-opt"), "models": ("-m", "--model-opt")}


def check_flags(names, pairs, where=""):
    """`-t a,b` and `--model-opt k=v,k=v` are refused before anything runs, in one line saying the ercbench way."""
    from harness.cli.session import current
    from harness.run.pipeline import split_ref

    registry = current().registry
    for kind, (flag, options_flag) in FLAGS.items():
        known = registry.names(kind)
        one_name_per_flag(names[kind], known, flag, where)
        plugins = {split_ref(name)[0] for name in names[kind]} & set(known)
        declared = sorted({key for name in plugins for key in registry.get(kind, name).cls.Options.names()})
        one_pair_per_flag(pairs[kind], declared, options_flag)


def options_per_plugin(kind, names, pairs, flag):
    """compare's K=V pairs for each named plugin: a key goes to the plugins that declare it (so `-m majority
    -m tfidf-lr --model-opt C=3` sets tfidf-lr's C); a key that none declares is refused in one line."""
    from harness.cli.session import current
    from harness.run.pipeline import split_ref

    given = parse_options(pairs, flag)
    declared = {name: current().registry.get(kind, split_ref(name)[0]).cls.Options.names() for name in names}

    unknown = [key for key in given if not any(takes(declared[name], key) for name in names)]
    if unknown and len(names) > 1:  # one plugin refuses it itself, naming itself
        known = sorted(set().union(*declared.values()))
        close = difflib.get_close_matches(unknown[0], known, n=2, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise ConfigError(f"{flag} {unknown[0]}: none of the {kind} {', '.join(names)} takes it{hint} "
                          f"(options: {', '.join(known) or 'none'})")
    return {name: tuple(f"{key}={value}" for key, value in given.items()
                        if takes(declared[name], key) or key in unknown)
            for name in names}


def check_spec(spec, data_dir):
    """Build the run's plugins without loading anything heavy: bad names and options fail here."""
    from harness.cli.session import current
    from harness.run.pipeline import instantiate

    instantiate(spec, current().context(data_dir=data_dir))


def interrupted_line(label, saved):
    """What Ctrl-C left: --resume continues only predictions that were saved."""
    if not saved:
        return f"interrupted: {label} wrote no result and saved no predictions; rerun it to start over"
    return f"interrupted: {label} wrote no result; {saved} prediction(s) saved, rerun with --resume to continue it"


def partial_folder(spec, results_dir):
    """Where the run of `spec` keeps its predictions until it finishes (the model's own prompt applied)."""
    from harness.cli.session import current
    from harness.results.store import PartialRun, results_root
    from harness.run.model_prompt import apply_model_prompt

    return PartialRun(results_root(results_dir), apply_model_prompt(spec, current().registry)).folder


def execute(spec, data_dir, results_dir, resume, force=False, no_wait=False, no_cache=False):
    """One run with a rich progress bar; Ctrl-C keeps only the hidden partial folder."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from harness.cli.launch import is_main_process
    from harness.cli.session import current
    from harness.run import pipeline

    label = f"{spec.task}/{spec.prompt}/{spec.model}"
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    # The bar goes to stderr so that stdout holds only results (pipe-friendly); off a terminal it is
    # disabled, as a transient bar would leave a blank line in logs.
    console = Console(stderr=True, quiet=not is_main_process())
    with Progress(*columns, transient=True, console=console, disable=not console.is_terminal) as progress:
        bar = progress.add_task(label, total=None)
        try:
            result, folder = pipeline.run(
                spec, current().context(data_dir=data_dir), results_dir=results_dir, resume=resume, force=force,
                wait=not no_wait,
                use_cache=not no_cache,
                say=lambda line: progress.console.print(line, markup=False, highlight=False, soft_wrap=True),
                progress=lambda done, total: progress.update(bar, completed=done, total=total),
            )
        except KeyboardInterrupt as exc:
            raise click.ClickException(interrupted_line(label, getattr(exc, "saved", 0))) from None
    scores = result.scores
    if not is_main_process():  # rank 0 reports the merged run
        return result
    click.echo(
        f"{label}: accuracy {100 * scores['accuracy']:.2f}  weighted F1 {100 * scores['weighted_f1']:.2f}"
        f"  (n={result.n}, unparsed={result.n_unparsed}) -> {folder}"
    )
    return result


@main.command()
@click.option("-t", "--task", required=True, help="Task name (`ercbench list tasks`).")
@click.option("-p", "--prompt", help="Prompt strategy (default: the one marked default, see `ercbench list prompts`).")
@click.option("-m", "--model", required=True, help="Model name, or name:target such as hf:/path/to/model.")
@click.option("--seed", type=int, default=0, show_default=True, help=SEED_HELP)
@run_options
@click.option("--processes", type=click.IntRange(min=1), default=1, show_default=True,
              help="Data-parallel processes (one per GPU); see docs/distributed.md.")
@click.pass_context
def run(ctx, task, prompt, model, split, limit, seed, parser, task_opts, prompt_opts, model_opts,
        data_dir, results_dir, resume, force, no_wait, no_cache, processes):
    """Run one task x prompt x model and write results/<run_id>/ (or reuse a finished identical run)."""
    from harness.cli.launch import relaunch
    from harness.cli.session import current
    from harness.discovery import default_names

    prompt = prompt or default_names("prompts", "-p", current().registry)[0]
    check_flags({"tasks": [task], "prompts": [prompt], "models": [model]},
                {"tasks": task_opts, "prompts": prompt_opts, "models": model_opts}, " with `ercbench compare`")
    spec = make_spec(task, prompt, model, split, limit, seed, parser, task_opts, prompt_opts, model_opts)
    relaunch(ctx, processes, check=lambda: check_spec(spec, data_dir),
             partial=lambda: partial_folder(spec, results_dir))
    execute(spec, data_dir, results_dir, resume, force, no_wait, no_cache)


@main.command()
@click.option("-t", "--task", "tasks", multiple=True, help="Repeatable (default: the tasks marked default).")
@click.option("-p", "--prompt", "prompts", multiple=True, help="Repeatable (default: the prompts marked default).")
@click.option("-m", "--model", "models", multiple=True, help="Repeatable (default: the models marked default).")
@click.option("--shots", help="Few-shot sweep, e.g. 0,1,3,5: each prompt shows k demonstrations; pivots by k.")
@click.option("--seed", "seed", type=int, multiple=True, help=f"{SEED_HELP} Repeatable: one run per seed.")
@click.option("--seeds", "seeds_text", metavar="0,1,2", help="Several seeds at once (with --seed: all of them).")
@run_options
def compare(tasks, prompts, models, shots, seed, seeds_text, split, limit, parser, task_opts, prompt_opts, model_opts,
            data_dir, results_dir, resume, force, no_wait, no_cache):
    """Run the cartesian product of -t/-p/-m (and seeds), then show the leaderboard of those runs.

    Finished runs are reused, so a restarted sweep computes only what is missing; specs another
    process is running are left to the end and then waited for (or, with --no-wait, refused).
    Several seeds show one row per seed; `leaderboard --aggregate seeds` shows mean ± sd.
    """
    from harness.cli.session import current
    from harness.discovery import default_names
    from harness.run.batch import run_specs, seed_list
    from harness.run.sweeps import expand_shots

    registry = current().registry
    tasks = tasks or default_names("tasks", "-t", registry)
    prompts = prompts or default_names("prompts", "-p", registry)
    models = models or default_names("models", "-m", registry)
    check_flags({"tasks": tasks, "prompts": prompts, "models": models},
                {"tasks": task_opts, "prompts": prompt_opts, "models": model_opts})
    task_opts = options_per_plugin("tasks", tasks, task_opts, "--task-opt")
    prompt_opts = options_per_plugin("prompts", prompts, prompt_opts, "--prompt-opt")
    model_opts = options_per_plugin("models", models, model_opts, "--model-opt")
    specs = [make_spec(t, p, m, split, limit, s, parser, task_opts[t], prompt_opts[p], model_opts[m])
             for t, p, m, s in itertools.product(tasks, prompts, models, seed_list(seed, seeds_text))]
    specs = expand_shots(specs, shots, registry)
    for spec in specs:  # a bad name or option in the last spec fails before the first one runs
        check_spec(spec, data_dir)
    results = run_specs(specs, lambda spec, wait: execute(spec, data_dir, results_dir, resume, force, not wait,
                                                          no_cache), wait=not no_wait)
    pivot_by = "shots" if shots else "task"
    show_leaderboard(results_dir, run_ids=[r.run_id for r in results], sort_by=None, output_format="table",
                     pivot_by=pivot_by)


FORMATS = ("table", "markdown", "csv", "json", "latex", "html")


def show_leaderboard(results_dir, run_ids, sort_by, output_format, with_reported=False, pivot_by="task",
                     ci=False, per_label=False, aggregate=None, chosen=None):
    from rich.console import Console

    from harness.cli.report import progress_bar
    from harness.cli.session import current
    from harness.report import console, filters, formats, leaderboard
    from harness.report.seeds import check_aggregate
    from harness.report.shots import shots_table

    check_aggregate(aggregate, ci, per_label)
    if chosen:
        run_ids = filters.matching_ids(results_dir, chosen, current().registry, run_ids)
    if pivot_by == "shots":
        if ci or per_label:
            raise ConfigError("--ci and --per-label go with --pivot task; `ercbench plot shots` draws k with CIs")
        table = shots_table(results_dir, current().registry, run_ids, with_reported, aggregate)
    else:
        with progress_bar("confidence intervals") as progress:
            table = leaderboard.task_table(results_dir, run_ids, sort_by, with_reported, ci, per_label, progress,
                                           aggregate)
    if table.empty:
        raise ConfigError(no_runs_line(results_dir))
    board = formats.board(table, ci=ci)
    if output_format == "table":
        console.render(board, Console())
        return
    render = {"markdown": formats.to_markdown, "csv": formats.to_csv, "json": formats.to_json,
              "latex": formats.to_latex, "html": formats.to_html_page}[output_format]
    click.echo(render(board), nl=False)
    if board.warning and output_format in ("csv", "json"):  # these formats have no room for a note
        click.echo(board.warning, err=True)


@main.command("leaderboard")
@click.option("--results-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_RESULTS",
              default=Path("results"), show_default=True, help="Where finished runs are (or $ERCBENCH_RESULTS).")
@click.option("--sort", "sort_by", help="Column to sort by, e.g. 'meld:test wF1'.")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table (terminal), markdown (GitHub), csv, json, latex (booktabs tabular) or html (a page).")
@click.option("--ci", is_flag=True, help="95 % dialogue-bootstrap confidence intervals beside the scores.")
@click.option("--per-label", is_flag=True, help="One F1 column per emotion label.")
@click.option("--with-reported", is_flag=True,
              help="Add published numbers (installed with ercbench, or $ERCBENCH_REPORTED) with their conditions.")
@click.option("--pivot", "pivot_by", type=click.Choice(["task", "shots"]), default="task", show_default=True,
              help="Columns per task, or per k of zero-/k-shot runs.")
@click.option("--aggregate", type=click.Choice(["seeds"]),
              help="One row across seeds: mean ± sample sd (n-1) and the number of seeds, not a row per seed.")
@click.option("--task", "tasks", multiple=True, help="Only runs of this task (repeatable).")
@click.option("--model", "models", multiple=True, help="Only runs of this model, e.g. tfidf-lr or hf (repeatable).")
@click.option("--prompt", "prompts", multiple=True, help="Only runs of this prompt (repeatable).")
@click.option("--where", multiple=True, metavar="K=V", callback=where_pairs,
              help="Only runs whose K is V: split, seed, limit, parser, shots or any option name (repeatable).")
def leaderboard_command(results_dir, sort_by, output_format, ci, per_label, with_reported, pivot_by, aggregate, tasks,
                        models, prompts, where):
    """The leaderboard of every finished run under results/ (latest run per row, seed and column).

    Scores are percentages with 2 decimals and '-' where missing, the same in every format. Runs whose
    scores disagree with their predictions.jsonl are left out, each with one warning line.
    """
    from harness.report.filters import RunFilter

    chosen = RunFilter(tuple(tasks), tuple(models), tuple(prompts), where)
    show_leaderboard(results_dir, None, sort_by, output_format, with_reported, pivot_by, ci, per_label, aggregate,
                     chosen)


# Command groups live in their own modules; they import nothing from this one.
from harness.cli.data import data  # noqa: E402
from harness.cli.describe import describe  # noqa: E402
from harness.cli.export import export  # noqa: E402
from harness.cli.plan import plan, rescore  # noqa: E402
from harness.cli.report import plot, report, show, significance  # noqa: E402
from harness.cli.results import results  # noqa: E402
from harness.cli.train import train  # noqa: E402

for command in (data, describe, export, train, results, significance, plot, report, show, plan, rescore):
    main.add_command(command)
