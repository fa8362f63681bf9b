"""Finished runs for analysis: `load_runs(path)` -> one tidy DataFrame row per run; run references."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from harness.errors import ConfigError, DataError
from harness.registry import Registry
from harness.report import stats
from harness.report.verify import problem, verified
from harness.results.keys import identity_parser
from harness.results.store import RUN_FILE, iter_runs, read_run
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


def answer_mode(run: Mapping[str, Any]) -> str | None:
    """generate or score; older run.json files kept it under `extra`."""
    return run.get("answer_mode") or (run.get("extra") or {}).get("answer_mode")


def tidy_row(run: Mapping[str, Any], ci: Mapping[str, Any] | None, registry: Registry) -> dict[str, Any]:
    """One run as a `load_runs` row; its `shots` are what its prompt strategy (in `registry`) says."""
    spec, scores = run["spec"], run["scores"]
    row = {
        "run_id": run["run_id"], "task": spec["task"], "split": spec["split"], "prompt": spec["prompt"],
        "model": spec["model"], "parser": identity_parser(spec.get("parser"), answer_mode(run)), "shots": shots_of(spec, registry),
        "seed": spec.get("seed"), "limit": spec.get("limit"),
        "task_options": options_text(spec.get("task_args")), "prompt_options": options_text(spec.get("prompt_args")),
        "model_options": options_text(spec.get("model_args")), "n": run["n"], "n_unparsed": run["n_unparsed"],
        "n_dialogues": (ci or {}).get("n_dialogues"),
        "started": run["started"], "sequence": run.get("sequence"), "duration_s": run.get("duration_s"),
        "folder": run.get("folder"),
    }
    for metric in bootstrap.CI_METRICS:
        interval = (ci or {}).get(metric) or (None, None)
        row.update({metric: scores.get(metric), f"{metric}_lo": interval[0], f"{metric}_hi": interval[1]})
    return row


def load_runs(registry: Registry, path: str | Path = "results", ci: bool = True, progress: Progress | None = None):
    """Every finished run under `path` as a pandas DataFrame, one row per run (columns: COLUMNS).

    Scores are fractions (0..1). With `ci`, runs written before CIs were stored get theirs
    recomputed from predictions.jsonl (same seed and resamples, so the same numbers).
    """
    import pandas as pd

    runs = list(verified(iter_runs(Path(path))))
    rows = []
    for done, run in enumerate(runs, 1):
        rows.append(tidy_row(run, stats.run_ci(run) if ci else run["scores"].get("ci"), registry))
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


def resolve(ref: str, results_dir: Path) -> Path:
    """A run folder from a path, a run id under results_dir, or a unique part of a run id."""
    for folder in (Path(ref), results_dir / ref):
        if (folder / RUN_FILE).is_file():
            return folder
    matches = [run["folder"] for run in iter_runs(results_dir) if ref in run["run_id"]]
    if len(matches) == 1:
        return Path(matches[0])
    if not matches:
        raise ConfigError(f"no finished run {ref!r} under {results_dir}; pass a run folder or a run id")
    names = ", ".join(Path(m).name for m in matches[:3]) + (", ..." if len(matches) > 3 else "")
    raise ConfigError(f"{ref!r} matches {len(matches)} runs under {results_dir} ({names}): give more of the id")


def load_folders(refs: Iterable[str], results_dir: Path) -> list[dict[str, Any]]:
    """Runs named on the command line (or every finished run when none is named), loaded."""
    refs = list(refs)
    if not refs:
        return list(verified(iter_runs(results_dir)))
    runs = []
    for ref in refs:
        folder = resolve(ref, results_dir)
        run = {**read_run(folder), "folder": str(folder)}
        found = problem(run)
        if found:
            raise DataError(folder / RUN_FILE, f"{found}; `ercbench results check --repair` moves it aside")
        runs.append(run)
    return runs
