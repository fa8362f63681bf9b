"""`ercbench plan check|run|status|report FILE` (an experiment as a file) and `ercbench rescore RUN`."""

from __future__ import annotations

import html
from pathlib import Path

import click

from harness.cli.common import ErcbenchGroup, no_runs_line, parse_options, writable_folder
from harness.errors import ConfigError

PLAN_FORMATS = ("table", "markdown", "latex", "html")


def plan_options(func):
    """The plan file, its variables and the folders every plan command reads."""
    decorators = [
        click.argument("plan_file", metavar="FILE", type=click.Path(path_type=Path)),
        click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
                     help="Set a variable the plan declares under [vars], e.g. --var checkpoint=DIR."),
        click.option("--data-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_DATA",
                     help="Data root (default: $ERCBENCH_DATA)."),
        click.option("--results-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_RESULTS",
                     default=Path("results"), show_default=True, help="Folder of the runs (or $ERCBENCH_RESULTS)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def load(plan_file, variables, data_dir):
    from harness.cli.session import current
    from harness.run.plan import load_plan

    return load_plan(plan_file, current().context(data_dir=data_dir), parse_options(variables, "--var"))


@click.group(cls=ErcbenchGroup)
def plan():
    """An experiment as a TOML file: groups of runs and the tables they report (see docs/plans.md)."""


@plan.command("check")
@plan_options
def check_command(plan_file, variables, data_dir, results_dir):
    """Check every task, prompt, model and option of the plan against the plugins, running nothing."""
    found = load(plan_file, variables, data_dir)
    groups = dict.fromkeys(run.group for run in found.runs)
    click.echo(f"{found.path}: {len(found.specs())} runs in {len(groups)} groups ({', '.join(groups)}), "
               f"{len(found.tables)} tables: ok")


@plan.command("run")
@plan_options
@click.option("--no-cache", "no_cache", is_flag=True, help="Refit classical baselines instead of reusing a cached fit.")
def run_command(plan_file, variables, data_dir, results_dir, no_cache):
    """Run what the plan is missing (finished runs are reused, interrupted ones resumed, a parser-only
    change rescored from stored answers); several processes on one results folder share the work."""
    from harness.cli import execute
    from harness.cli.session import current
    from harness.run.batch import run_specs
    from harness.run.plan import spec_id
    from harness.run.plan_status import Folder, parser_siblings
    from harness.run.rescore import rescore

    context = current().context(data_dir=data_dir)
    writable_folder(None, None, results_dir)
    found = load(plan_file, variables, data_dir)
    specs = found.specs()
    folder = Folder.scan(Path(results_dir))
    reread = parser_siblings(specs)

    def run_one(spec, wait):
        # A source another process (or an earlier group) may have just finished: look again.
        source = (Folder.scan(Path(results_dir)) if spec_id(spec) in reread else folder).rescorable(spec)
        if source is not None:
            result, written = rescore(source, spec.parser, context, results_dir, wait=wait,
                                      say=lambda line: click.echo(line, err=True))
            click.echo(f"{spec.task}/{spec.prompt}/{spec.model}: rescored {source.run_id} with parser "
                       f"{spec.parser} -> {written}")
            return result
        return execute(spec, data_dir, results_dir, resume=True, no_wait=not wait, no_cache=no_cache)

    results = run_specs(specs, run_one)
    click.echo(f"{plan_file}: {len(results)} runs finished under {results_dir}")


@plan.command("status")
@plan_options
def status_command(plan_file, variables, data_dir, results_dir):
    """Each run of the plan as done, running (claimed by a process), interrupted, damaged or missing."""
    from harness.run.plan_status import STATES, Folder

    found = load(plan_file, variables, data_dir)
    folder = Folder.scan(Path(results_dir))
    counts = dict.fromkeys(STATES, 0)
    seen = set()
    for run in found.runs:
        spec = run.spec
        if (key := repr(spec.to_dict())) in seen:
            continue
        seen.add(key)
        state, detail = folder.state(spec)
        counts[state] += 1
        options = ",".join(f"{k}={v}" for k, v in sorted({**spec.prompt_args, **spec.model_args}.items()))
        what = f"{spec.task}:{spec.split} {spec.prompt} {spec.model} seed={spec.seed} parser={spec.parser}"
        click.echo(f"{state:<12} {run.group:<12} {what}{' [' + options + ']' if options else ''}"
                   f"{'  ' + detail if detail else ''}")
    click.echo(", ".join(f"{count} {state}" for state, count in counts.items() if count))


@plan.command("report")
@plan_options
@click.option("--format", "output_format", type=click.Choice(PLAN_FORMATS), default="table", show_default=True,
              help="table (terminal), markdown, latex (booktabs) or html (one page).")
def report_command(plan_file, variables, data_dir, results_dir, output_format):
    """The plan's declared tables from its finished runs, with CIs, mean ± sd across seeds where declared,
    and published rows; the figures are the leaderboard's for the same runs."""
    from rich.console import Console

    from harness.cli.session import current
    from harness.report import console, formats
    from harness.report.page import page
    from harness.report.plan import boards, plan_tables

    found = load(plan_file, variables, data_dir)
    tables = plan_tables(found, Path(results_dir), current().registry)
    shown = [(title, board, table.missing) for table in tables for title, board in boards(table)]
    if not shown:
        raise ConfigError(no_runs_line(Path(results_dir)) + f" for {plan_file} (`ercbench plan run {plan_file}`)")
    parts = []
    for title, board, missing in shown:
        note = f" ({missing} runs not finished: `ercbench plan status`)" if missing else ""
        if output_format == "table":
            console.render(board, Console(), title=title + note)
        elif output_format == "markdown":
            parts.append(f"### {title}{note}\n\n{formats.to_markdown(board)}")
        elif output_format == "latex":
            parts.append(f"% {title}{note}\n{formats.to_latex(board)}")
        else:
            parts.append(f"<h2>{html.escape(title + note)}</h2>\n{formats.to_html(board)}")
    if output_format == "html":
        click.echo(page(found.title, f"<h1>{html.escape(found.title)}</h1>\n" + "\n".join(parts)), nl=False)
    elif parts:
        click.echo("\n".join(parts), nl=False)


@click.command()
@click.argument("run_ref", metavar="RUN")
@click.option("--parser", required=True, help="The parser to read the stored answers with: strict, lenient or "
                                              "dialoguellm.")
@click.option("--results-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_RESULTS", default=Path("results"),
              show_default=True, callback=writable_folder, help="Where the run is and the new one goes "
                                                                  "(or $ERCBENCH_RESULTS).")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_DATA",
              help="Data root, for the prompts' answer choices (default: $ERCBENCH_DATA).")
def rescore(run_ref, parser, results_dir, data_dir):
    """A new run from RUN's stored raw answers read by another --parser: no model time, its own run key,
    run.json's rescored_from names RUN."""
    from harness.cli.session import current
    from harness.results.record import resolve
    from harness.run.rescore import rescore as rescore_run

    source = resolve(run_ref, Path(results_dir))
    result, folder = rescore_run(source, parser, current().context(data_dir=data_dir), results_dir,
                                 say=lambda line: click.echo(line, err=True))
    scores = result.scores
    click.echo(f"{source.folder.name} with parser {parser}: accuracy {100 * scores['accuracy']:.2f}  weighted F1 "
               f"{100 * scores['weighted_f1']:.2f}  (n={result.n}, unparsed={result.n_unparsed}) -> {folder}")
