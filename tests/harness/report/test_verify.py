"""The leaderboard shows only scores that follow from the predictions; a hand-edited one is left out, with a warning."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from harness.cli import main
from harness.context import RunContext
from harness.discovery import default_registry
from harness.report import verify
from harness.results.record import read_finished
from harness.results.store import DIGEST_KEY, PREDICTIONS_FILE, scores_digest
from harness.run import pipeline
from harness.types import Prediction, RunSpec
from tests.harness.report.fakeruns import predictions, write_run


def edit(folder, **scores):
    path = folder / "run.json"
    run = json.loads(path.read_text())
    run["scores"].update(scores)
    path.write_text(json.dumps(run))


def leaderboard(root, *args):
    result = CliRunner().invoke(main, ["leaderboard", "--results-dir", str(root), "--format", "csv", *args])
    assert result.exit_code == 0, result.output
    return result


def test_a_finished_run_records_a_digest_that_holds(tmp_path):
    _, folder = pipeline.run(RunSpec(task="sample", prompt="zero-shot", model="majority"),
                             RunContext(default_registry()), results_dir=tmp_path)
    run = read_finished(folder)
    assert run.digest == scores_digest((folder / PREDICTIONS_FILE).read_bytes(), verify.recorded(run.result))
    assert verify.problem(run) is None
    edit(folder, accuracy=0.99)
    edited = read_finished(folder)
    assert "accuracy 0.990000 in run.json" in verify.problem(edited)


def test_hand_edited_score_is_left_out_with_one_warning(tmp_path):
    write_run(tmp_path, "honest", predictions(1, 0.5), model="honest")  # an older run.json: no digest
    write_run(tmp_path, "edited", predictions(2, 0.5), model="edited")
    edit(tmp_path / "edited", accuracy=0.99)
    result = leaderboard(tmp_path)
    assert "honest" in result.stdout and "edited" not in result.stdout and "99.00" not in result.stdout
    warnings = [line for line in result.stderr.splitlines() if "edited" in line]
    assert len(warnings) == 1 and "left out" in warnings[0] and "accuracy 0.990000" in warnings[0]
    shots = leaderboard(tmp_path, "--pivot", "shots")
    assert "edited" not in shots.stdout and "99.00" not in shots.stdout


def test_edited_predictions_break_the_digest_and_are_recomputed(tmp_path):
    folder = write_run(tmp_path, "run", predictions(1, 0.5))
    run = json.loads((folder / "run.json").read_text())
    run[DIGEST_KEY] = scores_digest((folder / PREDICTIONS_FILE).read_bytes(), run)
    (folder / "run.json").write_text(json.dumps(run))
    lines = (folder / PREDICTIONS_FILE).read_text().splitlines()
    first = json.loads(lines[0])
    first["predicted"] = next(label for label in ("joy", "anger") if label != first["gold"]) \
        if first["predicted"] == first["gold"] else first["gold"]
    (folder / PREDICTIONS_FILE).write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    assert "from its predictions" in verify.problem(read_finished(folder))


def test_report_refuses_a_named_run_whose_scores_disagree(tmp_path):
    write_run(tmp_path, "edited", predictions(2, 0.5))
    edit(tmp_path / "edited", weighted_f1=0.99)
    result = CliRunner().invoke(main, ["plot", "labels", "edited", "--results-dir", str(tmp_path),
                                       "--out", str(tmp_path / "p")])
    assert result.exit_code == 1 and "weighted_f1 0.990000 in run.json" in result.output
    assert "Traceback" not in result.output


labels = st.text(min_size=1, max_size=12)


@given(st.lists(st.tuples(labels, st.one_of(st.none(), labels), st.one_of(st.none(), st.text(max_size=30)),
                          st.dictionaries(st.sampled_from(["gold", "note", "predicted"]), st.text(max_size=8),
                                          max_size=2)), max_size=20),
       st.booleans())
def test_answers_read_gold_and_predicted_as_json_does(rows, ascii_only):
    lines = []
    for gold, predicted, raw, extra in rows:
        record = Prediction("x", gold, predicted, raw, extra={"meta": extra}, logprobs={gold: -0.5}).to_json()
        lines.append(json.dumps(record, ensure_ascii=ascii_only) + "\n")
    data = "".join(lines).encode("utf-8")
    assert verify.answers(data) == ([r[0] for r in rows], [r[1] for r in rows])
