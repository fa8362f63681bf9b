"""Finished runs for analysis: `load_runs(path)` -> one tidy DataFrame row per run; run references."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from harness.errors import DataError
from harness.registry import Registry
from harness.report import stats
from harness.report.verify import problem, verified
from harness.results.keys import identity_parser
from harness.results.record import FinishedRun, iter_finished, resolve
from harness.results.store import RUN_FILE
from harness.run import bootstrap
from harness.run.sweeps import shots_of

Progress = Callable[[int, int], None]

COLUMNS = (
    "run_id", "task", "split", "prompt", "model", "parser", "shots", "seed", "limit",
    "task_options", "prompt_options", "model_options", "n", "n_unparsed", "n_dialogues",
    *(name for metric in bootstrap.CI_METRICS for name in (metric, f"{metric}_lo", f"{metric}_hi")),
    "started", "sequence", "duration_s", "folder",
)


def options_text(args: Mapping[str, Any] | None) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted((args or {}).items()))


def tidy_row(run: FinishedRun, ci: Mapping[str, Any] | None, registry: Registry) -> dict[str, Any]:
    """One run as a `load_runs` row; its `shots` are what its prompt strategy (in `registry`) says."""
    result, spec = run.result, run.spec
    row = {
        "run_id": result.run_id, "task": spec.task, "split": spec.split, "prompt": spec.prompt,
        "model": spec.model, "parser": identity_parser(spec.parser, result.answer_mode),
        "shots": shots_of(spec.to_dict(), registry), "seed": spec.seed, "limit": spec.limit,
        "task_options": options_text(spec.task_args), "prompt_options": options_text(spec.prompt_args),
        "model_options": options_text(spec.model_args), "n": result.n, "n_unparsed": result.n_unparsed,
        "n_dialogues": (ci or {}).get("n_dialogues"),
        "started": result.started, "sequence": result.sequence, "duration_s": result.duration_s,
        "folder": str(run.folder),
    }
    for metric in bootstrap.CI_METRICS:
        interval = (ci or {}).get(metric) or (None, None)
        row.update({metric: result.score(metric), f"{metric}_lo": interval[0], f"{metric}_hi": interval[1]})
    return row


def load_runs(registry: Registry, path: str | Path = "results", ci: bool = True, progress: Progress | None = None):
    """Every finished run under `path` as a pandas DataFrame, one row per run (columns: COLUMNS).

    Scores are fractions (0..1). With `ci`, runs written before CIs were stored get theirs
    recomputed from predictions.jsonl (same seed and resamples, so the same numbers).
    """
    import pandas as pd

    runs = list(verified(iter_finished(Path(path))))
    rows = []
    for done, run in enumerate(runs, 1):
        rows.append(tidy_row(run, stats.run_ci(run) if ci else run.result.ci, registry))
        if progress:
            progress(done, len(runs))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype({"shots": "Int64", "seed": "Int64", "limit": "Int64"})


IDENTITY = ("task", "split", "prompt", "model", "parser", "shots", "limit", "task_options", "prompt_options",
            "model_options")


def aggregate_seeds(frame, metrics=bootstrap.CI_METRICS):
    """`load_runs`' frame with one row per spec across its seeds: each metric's mean, its sample standard
    deviation `METRIC_sd` (ddof=1, as numpy's std(ddof=1); NaN for one seed) and `seeds`, the number of
    seeds (the latest run of each seed counts)."""
    from harness.report.seeds import aggregate_seeds as aggregate

    return aggregate(frame, IDENTITY, [metric for metric in metrics if metric in frame.columns])


def named_runs(refs: Iterable[str], results_dir: Path) -> list[FinishedRun]:
    """Runs named on the command line (or every finished run when none is named), loaded."""
    refs = list(refs)
    if not refs:
        return list(verified(iter_finished(results_dir)))
    runs = []
    for ref in refs:
        run = resolve(ref, results_dir)
        found = problem(run)
        if found:
            raise DataError(run.folder / RUN_FILE, f"{found}; `ercbench results check --repair` moves it aside")
        runs.append(run)
    return runs
