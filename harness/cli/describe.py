"""`ercbench describe`: a descriptions file (JSONL + provenance) made from the task's videos by a describer."""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli.common import parse_options, positive_limit

SHOWN_PROBLEMS = 10


def build(task_name, describer_ref, task_opts, describer_opts, data_dir):
    """The task and the describer (bad names and options fail here, before anything is read)."""
    from harness.cli.session import current
    from harness.errors import ConfigError
    from harness.run.pipeline import split_ref

    registry = current().registry
    task = registry.task(task_name)(data_dir, **parse_options(task_opts, "--task-opt"))
    name, target = split_ref(describer_ref)
    entry = registry.get("describers", name)
    options = parse_options(describer_opts, "--describer-opt")
    if target is not None:
        if "target" not in entry.cls.Options.names():
            raise ConfigError(f"describer {name!r} takes no target: use -d {name}, not -d {describer_ref}")
        options["target"] = target
    return task, entry.cls(**options), entry.origin


def summary_lines(summary, out):
    missing = len(summary.problems)
    head = (f"described {summary.described} clip(s), {missing} without a description"
            + (f" ({summary.before} already in the file)" if summary.before else "") + f" -> {out}")
    lines = [head] + [f"  no description: {utterance}: {problem}" for utterance, problem in
                      summary.problems[:SHOWN_PROBLEMS]]
    if missing > SHOWN_PROBLEMS:
        lines.append(f"  ... and {missing - SHOWN_PROBLEMS} more (each line with \"description\": null says why)")
    return lines


@click.command()
@click.option("-t", "--task", required=True, help="Task whose utterances get descriptions (`ercbench list tasks`).")
@click.option("-d", "--describer", "describer_ref", required=True,
              help="Describer, or name:target such as hf-vlm:/path/to/model (`ercbench list describers`).")
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The descriptions JSONL to write (FILE.provenance.json goes next to it).")
@click.option("--videos", type=click.Path(path_type=Path, file_okay=False),
              help="Where the task's videos are (MELD: the clip folders; IEMOCAP: the release's Session folders).")
@click.option("--map", "map_csv", type=click.Path(path_type=Path, dir_okay=False),
              help="CSV utterance,clip[,start,end] (utterance as SPLIT/DIALOGUE_ID/UTT_INDEX), for any other layout.")
@click.option("--split", "splits", multiple=True, help="Split to describe (repeatable; default: every split).")
@click.option("--limit", type=int, callback=positive_limit, help="Only the first N utterances.")
@click.option("--task-opt", "task_opts", multiple=True, metavar="K=V", help="Task option.")
@click.option("--describer-opt", "describer_opts", multiple=True, metavar="K=V", help="Describer option.")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="ERCBENCH_DATA",
              help="Data root (default: $ERCBENCH_DATA).")
def describe(task, describer_ref, out, videos, map_csv, splits, limit, task_opts, describer_opts, data_dir):
    """Describe each utterance's video clip; rerun the same command to continue an interrupted one."""
    from harness.describe import clips, store, work
    from harness.errors import ConfigError

    task_obj, describer, origin = build(task, describer_ref, task_opts, describer_opts, data_dir)
    unknown = [split for split in splits if split not in task_obj.splits()]
    if unknown:
        raise ConfigError(f"task {task!r} has no split {unknown[0]!r} (splits: {', '.join(task_obj.splits())})")
    chosen = list(splits) or list(task_obj.splits())
    if map_csv is not None:
        jobs = clips.from_map(task_obj, chosen, map_csv, videos)
    else:
        jobs = clips.from_task(task_obj, chosen, videos)
    jobs = jobs[:limit] if limit else jobs
    if jobs and not any(job.clip.path.exists() for job in jobs):
        raise ConfigError(f"describe: none of the {len(jobs)} clip(s) exists (e.g. {jobs[0].clip.path})")
    descriptions = store.DescriptionsFile(out, work.provenance(task_obj, describer, origin))
    summary = _with_progress(work.Describing(task_obj, describer, descriptions), jobs, out)
    for line in summary_lines(summary, out):
        click.echo(line)


def _with_progress(describing, jobs, out):
    """A progress bar on a terminal only (stderr); Ctrl-C keeps what is done for the next run."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    columns = (TextColumn("describing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True, console=console, disable=not console.is_terminal) as progress:
        bar = progress.add_task("describe", total=len(jobs))
        try:
            return describing.run(jobs, lambda done, total: progress.update(bar, completed=done, total=total))
        except KeyboardInterrupt:
            raise click.ClickException(f"interrupted: what was described is kept in {describing.store.partial}; "
                                       f"rerun the same command to continue") from None
