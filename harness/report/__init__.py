"""Reading finished runs out: leaderboards, statistics, plots, the HTML report and `load_runs`."""


def load_runs(path="results", ci: bool = True, progress=None, registry=None):
    """Every finished run under `path` as a pandas DataFrame, one row per run (see harness.report.runs).

    `registry` holds the prompt strategies that say where a run sits in a few-shot sweep; a notebook
    leaves it out and gets the installed plugins (this is an entry point, like the command line)."""
    from harness import discovery
    from harness.report.runs import load_runs as load

    return load(registry or discovery.default_registry(), path, ci=ci, progress=progress)


def aggregate_seeds(frame, metrics=("accuracy", "weighted_f1", "macro_f1")):
    """One row per spec across seeds: mean, sample sd (`_sd`, ddof=1) and `seeds` (see harness.report.runs)."""
    from harness.report.runs import aggregate_seeds as aggregate

    return aggregate(frame, metrics)
