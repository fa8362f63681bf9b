"""Conditions beside published rows: a letter per condition set, its legend in every format, a warning when they mix."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from harness.cli import main
from harness.report.conditions import CHECKPOINTS, CONTEXTS, Conditions, markers, mixing_warning, of_run
from tests.harness.report.fakeruns import predictions, write_run

PUBLISHED_HEADER = "paper,model,dataset,shots,accuracy,weighted_f1,source,note,seeds,checkpoint,context,invalid\n"


def leaderboard(root, published, *args, width=200):
    result = CliRunner().invoke(main, ["leaderboard", "--results-dir", str(root), *args],
                                env={"COLUMNS": str(width), "ERCBENCH_REPORTED": str(published)}, terminal_width=width)
    assert result.exit_code == 0, result.output
    return result


def setup(tmp_path, future_row: bool = True):
    """One of our past-only runs on meld, and published rows: 1-, 5- and 10-shot (past) and one past+future."""
    write_run(tmp_path / "runs", "r1", predictions(1, 0.6), prompt_args={"window": "3"})
    published = tmp_path / "published"
    published.mkdir()
    rows = [f"P,Big,meld,{k},60,{50 + k},paper,,1,valid,past,counted wrong" for k in (10, 1, 5)]
    if future_row:
        rows.append("Q,Wide,meld,,70,65,paper,,5,test,past+future,excluded")
    (published / "p.csv").write_text(PUBLISHED_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path / "runs", published


@given(st.sampled_from(["1", "3", "5", "unknown"]), st.sampled_from(CHECKPOINTS), st.sampled_from(CONTEXTS),
       st.text(min_size=1).filter(lambda t: t == t.strip() and "\n" not in t and "\r" not in t))
def test_conditions_text_round_trips(seeds, checkpoint, context, invalid):
    conditions = Conditions(seeds, checkpoint, context, invalid)
    assert Conditions.from_text(conditions.text()) == conditions


def test_our_runs_conditions_follow_the_spec():
    spec = {"parser": "strict", "prompt_args": {"future": "2"}}
    assert of_run(spec, "generate", {}) == Conditions("1", "none", "past+future", "counted wrong")
    assert of_run({"parser": "lenient"}, "score", {"window": "5", "future": "0"}).context == "past"
    assert of_run({"parser": "lenient"}, "score", {}).invalid.startswith("none possible")


def test_markers_and_the_warning():
    a, b = Conditions("1", "none", "past", "counted wrong").text(), Conditions("3", "test", "past+future", "x").text()
    assert markers([b, a, b, ""]) == {b: "A", a: "B"}
    assert mixing_warning([a, a]) == ""
    assert mixing_warning([a, Conditions().text()]) == ""  # unknown values do not count as a difference
    line = mixing_warning([a, b])
    assert "seeds 1/3" in line and "checkpoint chosen on test" in line and "context past/past+future" in line
    valid = Conditions("1", "valid", "past", "counted wrong").text()
    assert mixing_warning([a, valid]) == ""  # a checkpoint chosen on valid compares with ours
    assert "\n" not in line


def test_markdown_shows_letters_a_legend_and_the_warning_in_natural_shot_order(tmp_path):
    runs, published = setup(tmp_path)
    text = leaderboard(runs, published, "--with-reported", "--format", "markdown").stdout
    table, notes = text.strip().split("\n\n")
    rows = table.splitlines()[2:]
    assert [r.split(" | ")[1] for r in rows if "(1" in r or "(5" in r] == [
        "reported: P (1-shot)", "reported: P (5-shot)", "reported: P (10-shot)"]
    assert rows[-1].startswith("| majority | zero-shot[window=3] | strict | C |")
    assert notes.splitlines()[:3] == [
        "- A = seeds=1, checkpoint=valid, context=past, invalid=counted wrong",
        "- B = seeds=5, checkpoint=test, context=past+future, invalid=excluded",
        "- C = seeds=1, checkpoint=none, context=past, invalid=counted wrong",
    ]
    assert notes.splitlines()[3].startswith(
        "- warning: mixed conditions (seeds 1/5; checkpoint chosen on test for some rows; context past/past+future;")


def test_no_warning_when_published_rows_were_evaluated_like_ours(tmp_path):
    runs, published = setup(tmp_path, future_row=False)
    result = leaderboard(runs, published, "--with-reported", "--format", "csv")
    assert "warning" not in result.stdout + result.stderr


def test_every_format_carries_the_conditions(tmp_path):
    runs, published = setup(tmp_path)
    latex = leaderboard(runs, published, "--with-reported", "--format", "latex").stdout
    assert r"\footnotesize B = seeds=5, checkpoint=test, context=past+future" in latex
    assert r"\footnotesize warning: mixed conditions" in latex and latex.index(r"\bottomrule") < latex.index("warning")
    html = leaderboard(runs, published, "--with-reported", "--format", "html").stdout
    assert '<tfoot>' in html and 'class="note">warning: mixed conditions' in html
    terminal = leaderboard(runs, published, "--with-reported", width=80).stdout
    assert "B = seeds=5, checkpoint=test" in terminal and "warning: mixed conditions" in terminal
    assert max(len(line) for line in terminal.splitlines()) <= 80
    # Machine formats spell the conditions out (no legend) and give the warning on stderr.
    result = leaderboard(runs, published, "--with-reported", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {row["conditions"] for row in table if row["model"] == "Wide"} == {
        "seeds=5, checkpoint=test, context=past+future, invalid=excluded"}
    assert result.stderr.startswith("warning: mixed conditions") and len(result.stderr.splitlines()) == 1
    records = json.loads(leaderboard(runs, published, "--with-reported", "--format", "json").stdout)
    assert records[-1]["conditions"] == "seeds=1, checkpoint=none, context=past, invalid=counted wrong"


def test_the_shots_pivot_orders_k_and_rows_numerically_and_carries_conditions(tmp_path):
    runs, published = setup(tmp_path)
    text = leaderboard(runs, published, "--with-reported", "--pivot", "shots", "--format", "markdown").stdout
    header = text.splitlines()[0]
    assert header.index("k=0 acc") < header.index("k=1 acc") < header.index("k=5 acc") < header.index("k=10 acc")
    assert "| conditions |" in header and "- A = seeds=1, checkpoint=valid" in text


def test_without_published_rows_nothing_changes(tmp_path):
    runs, published = setup(tmp_path)
    text = leaderboard(runs, published, "--format", "markdown").stdout
    assert "conditions" not in text and "warning" not in text and "\n\n" not in text.strip()
