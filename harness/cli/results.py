"""`ercbench results check|clean`: audit a results folder, move damaged runs aside, remove orphaned partials."""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli.common import one_line_errors

# Must exist: a mistyped folder would otherwise pass as a clean, empty one.
RESULTS_DIR = click.option("--results-dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
                           envvar="ERCBENCH_RESULTS",
                           default=Path("results"), show_default=True,
                           help="The results folder to examine (or $ERCBENCH_RESULTS).")


@click.group("results")
def results():
    """Check and tidy a results folder."""


@results.command("check")
@RESULTS_DIR
@click.option("--repair", is_flag=True,
              help="Cut torn tails; move damaged runs into .quarantine/ (never deletes them).")
def check_command(results_dir, repair):
    """Find damaged runs: unreadable run.json, truncated predictions, scores that disagree with predictions."""
    from harness.results import check
    from harness.results.store import check_hint

    with one_line_errors():
        findings = check.check(results_dir)
        total = len(check.run_folders(results_dir))
        for finding in findings:
            click.echo(check.repair(results_dir, finding) if repair else f"damaged: {finding.problem}")
    click.echo(f"{total - len(findings)} of {total} runs sound under {results_dir}")
    if findings and not repair:
        raise click.ClickException(f"{len(findings)} damaged run(s); {check_hint(results_dir, repair=True)} "
                                   f"moves them into {results_dir / check.QUARANTINE}")


@results.command("clean")
@RESULTS_DIR
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
def clean_command(results_dir, dry_run):
    """Remove orphaned partial runs (e.g. left by a changed option), stale locks and temporary files.

    Partial runs a live process holds are kept; finished runs are never touched.
    """
    from harness.results import check

    found = check.leftovers(results_dir)
    for item in found:
        if item.in_use:
            click.echo(f"kept (in use) {item.path}: {item.what}")
            continue
        if not dry_run:
            check.remove(item)
        click.echo(f"{'would remove' if dry_run else 'removed'} {item.path}: {item.what}")
    if not found:
        click.echo(f"nothing to clean under {results_dir}")
