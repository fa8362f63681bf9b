"""Reading finished runs out: leaderboards, statistics, plots, the HTML report and `load_runs`."""


def load_runs(path="results", ci: bool = True, progress=None):
    """Every finished run under `path` as a pandas DataFrame, one row per run (see harness.report.runs)."""
    from harness.report.runs import load_runs as load

    return load(path, ci=ci, progress=progress)
