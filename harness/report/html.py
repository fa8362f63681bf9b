"""`ercbench report`: one self-contained HTML page (leaderboard with CIs, plots, per-run details)."""

from __future__ import annotations

import base64
import io
import json
import random
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from harness.data.descriptions import made_by
from harness.errors import DataError
from harness.registry import Registry
from harness.report import formats, leaderboard, plots
from harness.report.page import page, scroll
from harness.report.rows import task_column
from harness.report.stats import run_ci
from harness.results.context import CONTEXT_FILE, Context, read_context
from harness.results.record import FinishedRun
from harness.results.store import harness_version
from harness.run.bootstrap import CI_METRICS
from harness.types import LossCurve, Prediction, RunResult

Progress = Callable[[int, int], None]


def image(fig, alt: str) -> str:
    """A figure as an inline PNG (a data: URI), so the page needs no other file."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def key_values(items: Mapping[str, Any]) -> str:
    rows = []
    for key, value in items.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
        rows.append(f"<tr><th>{escape(str(key))}</th><td><code>{escape(str(shown))}</code></td></tr>")
    return scroll('<table class="settings">' + "".join(rows) + "</table>")


def scores_table(run: RunResult, ci: Mapping[str, Any]) -> str:
    cells = []
    for metric in CI_METRICS:
        low, high = ci.get(metric) or (None, None)
        interval = (f' <span class="ci">[{100 * low:.2f}, {100 * high:.2f}]</span>'
                    if low is not None and high is not None else "")
        value = run.score(metric)
        shown = f"{100 * value:.2f}" if value is not None else "-"
        cells.append(f'<tr><th>{plots.METRIC_NAMES[metric]}</th><td class="num">{shown}{interval}</td></tr>')
    counts = f'<tr><th>examples</th><td class="num">{run.n} in {ci.get("n_dialogues", "?")} dialogues</td></tr>'
    counts += f'<tr><th>unparsed</th><td class="num">{run.n_unparsed}</td></tr>'
    return scroll('<table class="scores">' + "".join(cells) + counts + "</table>")


#: a run's example id -> (turns before, target), and why there is none; for runs whose folder holds no context
Fallback = Callable[[FinishedRun], tuple[Mapping[str, Context], str | None]]


def run_contexts(run: FinishedRun, fallback: Fallback | None) -> tuple[Mapping[str, Context], str | None]:
    """The context stored with the run, else what `fallback` finds (the CLI rebuilds older runs' from the data)."""
    try:
        stored = read_context(run.folder)
    except DataError as exc:
        return {}, str(exc)
    if stored or fallback is None:
        return stored, None if stored else f"{CONTEXT_FILE} is not in the run folder (an older run)"
    return fallback(run)


def wrong_sample(rows: Sequence[Prediction], size: int, seed: int) -> list[Prediction]:
    """A seeded sample of the wrong (or unparsed) predictions, in file order."""
    wrong = [i for i, row in enumerate(rows) if row.predicted != row.gold]
    chosen = sorted(random.Random(seed).sample(wrong, min(size, len(wrong))))
    return [rows[i] for i in chosen]


def wrong_table(run: FinishedRun, contexts: Fallback | None, size: int) -> str:
    rows = run.predictions()
    sample = wrong_sample(rows, size, seed=0)
    if not sample:
        return "<p>No wrong predictions.</p>"
    found, problem = run_contexts(run, contexts)
    note = f'<p class="context">Context unavailable: {escape(problem)}</p>' if problem else ""
    lines = ["<table class=\"wrong\"><thead><tr><th>example</th><th>context (last turns) and target</th>"
             "<th>gold</th><th>predicted</th><th>raw answer</th></tr></thead><tbody>"]
    for row in sample:
        context = found.get(row.example_id)
        turns = "" if problem else '<span class="context">(not in the data read now)</span>'
        if context is not None:
            before, (speaker, text) = context
            turns = "".join(f'<div class="context">{escape(who)}: {escape(said)}</div>' for who, said in before)
            turns += f'<div class="target">{escape(speaker)}: {escape(text)}</div>'
        predicted = row.predicted if row.predicted is not None else "(unparsed)"
        lines.append(f"<tr><td><code>{escape(row.example_id)}</code></td><td>{turns}</td><td>{escape(row.gold)}</td>"
                     f"<td>{escape(predicted)}</td><td><code>{escape(str(row.raw))[:300]}</code></td></tr>")
    lines.append("</tbody></table>")
    wrong = sum(row.predicted != row.gold for row in rows)
    return f"<p>{len(sample)} of {wrong} wrong predictions (seeded sample).</p>{note}" + scroll("".join(lines))


def run_section(run: FinishedRun, contexts: Fallback | None, sample: int) -> str:
    result, ci = run.result, run_ci(run)
    provenance = {"run id": result.run_id, "folder": str(run.folder), "started": result.started,
                  "duration (s)": f"{result.duration_s:.1f}", **{f"plugin {k}": v for k, v in result.plugins.items()},
                  "task": dict(result.task_info), **made_by(result.task_info),
                  "confidence intervals": {k: v for k, v in ci.items() if k not in CI_METRICS}}
    return (
        f'<section id="{escape(result.run_id)}"><h2>{escape(plots.run_title(run))}</h2>\n'
        f"<h3>Scores</h3>{scores_table(result, ci)}\n"
        f"<h3>Settings</h3>{key_values(dict(sorted(run.spec.to_dict().items())))}\n"
        f"<details open><summary>Provenance</summary>{key_values(provenance)}{key_values(result.counts())}</details>\n"
        f"<h3>Confusion matrix</h3>{image(plots.confusion(run), 'confusion matrix ' + result.run_id)}\n"
        f"<h3>Wrong predictions</h3>{wrong_table(run, contexts, sample)}</section>\n"
    )


def label_plots(runs: Sequence[FinishedRun]) -> str:
    """Per-label F1 bars, one figure per task column (runs of one task share a label set)."""
    groups: dict[str, list] = {}
    for run in runs:
        groups.setdefault(task_column(run.spec.to_dict()) + str(list(run.result.labels)), []).append(run)
    parts = []
    for group in groups.values():
        title = task_column(group[0].spec.to_dict())
        parts.append(f"<h3>{escape(title)}</h3>{image(plots.label_bars(group), 'per-label F1 ' + title)}")
    return "".join(parts)


def shot_plot(runs: Sequence[FinishedRun], registry: Registry) -> str:
    import pandas as pd

    from harness.report.runs import tidy_row

    frame = pd.DataFrame([tidy_row(run, run_ci(run), registry) for run in runs])
    frame = frame[frame["shots"].notna()]
    if frame["shots"].nunique() < 2:
        return ""
    return f"<h2>Few-shot curve</h2>{image(plots.shots(frame), 'few-shot curve')}"


def loss_plots(curves: Sequence[tuple[Path, LossCurve]]) -> str:
    parts = [f"<h3>{escape(str(folder))}</h3>{image(plots.loss(curve), 'loss curve ' + str(folder))}"
             for folder, curve in curves]
    return "<h2>Training loss</h2>" + "".join(parts) if parts else ""


def across_seeds(frame) -> str:
    """The leaderboard as mean ± sd across seeds, when some runs differ only in their seed."""
    if "seed" not in leaderboard.seeds.row_keys(frame, []):
        return ""
    table = leaderboard.pivot(frame, aggregate="seeds")
    return ("<h2>Across seeds</h2>" + formats.to_html(formats.board(table)) +
            "<p>Mean ± sample standard deviation (n − 1) across seeds, and the number of seeds: the variance "
            "from demonstration choice, fallback guesses and training; the intervals above are one run's "
            "test-set sampling.</p>")


def build(runs: Sequence[FinishedRun], registry: Registry, sample: int = 10, progress: Progress | None = None,
          curves: Sequence[tuple[Path, LossCurve]] = (), contexts: Fallback | None = None) -> str:
    """The whole page for these runs; each run's dialogue context comes from its folder (context.jsonl), else
    from `contexts` (none: the page says it is unavailable)."""
    run_ids = [run.run_id for run in runs]
    frame = leaderboard.runs_frame(runs, ci=True)
    table = leaderboard.pivot(frame)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"<h1>ercbench report</h1><p>{len(runs)} runs · ercbench {escape(harness_version())} · {stamp}</p>",
             "<h2>Leaderboard</h2>", formats.to_html(formats.board(table, ci=True)),
             "<p>Percentages; in brackets the 95 % confidence interval from a bootstrap that resamples whole "
             "dialogues (utterances of one dialogue are not independent).</p>", across_seeds(frame),
             "<h2>Per-label F1</h2>", label_plots(runs), shot_plot(runs, registry), loss_plots(curves),
             "<h2>Runs</h2><ul>" + "".join(f'<li><a href="#{escape(r)}">{escape(r)}</a></li>' for r in run_ids)
             + "</ul>"]
    for done, run in enumerate(runs, 1):
        parts.append(run_section(run, contexts, sample))
        if progress:
            progress(done, len(runs))
    return page("ercbench report", "\n".join(parts))
