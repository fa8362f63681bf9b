"""Dialogue bootstrap CIs: checked against a separate, plain-loop scikit-learn computation."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, f1_score

from harness import metrics
from harness.context import RunContext
from harness.discovery import default_registry
from harness.report import stats
from harness.run import bootstrap
from tests.harness.report.fakeruns import typed

LABELS = ("neutral", "joy", "anger")


def make_rows(seed: int, dialogues: int = 30, unparsed: float = 0.1) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for d in range(dialogues):
        for u in range(rng.randint(1, 8)):
            gold = rng.choice(LABELS)
            predicted = gold if rng.random() < 0.6 else rng.choice(LABELS)
            if rng.random() < unparsed:
                predicted = None
            rows.append({"id": f"test/d{d}/{u}", "dialogue_id": f"d{d}", "gold": gold, "predicted": predicted})
    return rows


def sklearn_scores(rows):
    gold = [row["gold"] for row in rows]
    predicted = [row["predicted"] or "<none>" for row in rows]
    kwargs = {"labels": list(LABELS), "zero_division": 0}
    return {
        "accuracy": accuracy_score(gold, predicted),
        "weighted_f1": f1_score(gold, predicted, average="weighted", **kwargs),
        "macro_f1": f1_score(gold, predicted, average="macro", **kwargs),
    }


def test_ci_matches_a_plain_loop_over_resampled_dialogues():
    rows = make_rows(1)
    ci = bootstrap.bootstrap_ci(typed(rows), LABELS, resamples=100, seed=7)
    by_dialogue: dict[str, list] = {}
    for row in rows:
        by_dialogue.setdefault(row["dialogue_id"], []).append(row)
    order = list(by_dialogue)
    draws = np.random.default_rng(7).integers(0, len(order), size=(100, len(order)))
    resampled = {metric: [] for metric in bootstrap.CI_METRICS}
    for draw in draws:
        sample = [row for i in draw for row in by_dialogue[order[i]]]
        for metric, value in sklearn_scores(sample).items():
            resampled[metric].append(value)
    for metric in bootstrap.CI_METRICS:
        expected = np.percentile(resampled[metric], [2.5, 97.5])
        assert ci[metric] == pytest.approx(list(expected), abs=1e-12)
    assert ci["n_dialogues"] == 30 and ci["unit"] == "dialogue"


def test_the_interval_holds_the_point_estimate_and_is_seeded():
    rows = make_rows(2, dialogues=80)
    gold = [row["gold"] for row in rows]
    predicted = [row["predicted"] for row in rows]
    point = metrics.summarise(gold, predicted, LABELS)
    ci = bootstrap.bootstrap_ci(typed(rows), LABELS)
    for metric in bootstrap.CI_METRICS:
        low, high = ci[metric]
        assert low < point[metric] < high
    assert bootstrap.bootstrap_ci(typed(rows), LABELS) == ci
    assert bootstrap.bootstrap_ci(typed(rows), LABELS, seed=1) != ci


def test_dialogues_are_the_unit_wider_than_utterances_when_dialogues_agree():
    # Each dialogue is all right or all wrong: resampling utterances would understate the spread.
    rows = []
    for d in range(40):
        right = d % 2 == 0
        for u in range(10):
            rows.append({"id": f"test/d{d}/{u}", "gold": "joy", "predicted": "joy" if right else "anger"})
    by_dialogue = bootstrap.bootstrap_ci(typed(rows), LABELS)
    by_utterance = bootstrap.bootstrap_ci(typed([{**row, "dialogue_id": row["id"]} for row in rows]), LABELS)
    width = lambda ci: ci["accuracy"][1] - ci["accuracy"][0]  # noqa: E731
    assert by_dialogue["n_dialogues"] == 40 and by_utterance["n_dialogues"] == 400
    assert width(by_dialogue) > 2 * width(by_utterance)


def test_old_predictions_without_dialogue_id_use_the_example_id():
    assert bootstrap.dialogue_of(*typed([{"id": "test/dia7/3", "gold": "joy", "predicted": None}])) == "dia7"
    assert bootstrap.dialogue_of(*typed([{"id": "x7", "gold": "joy", "predicted": None}])) == "x7"
    row = {"id": "test/a/1", "dialogue_id": "b", "gold": "joy", "predicted": None}
    assert bootstrap.dialogue_of(*typed([row])) == "b"


def test_no_rows_gives_no_interval():
    ci = bootstrap.bootstrap_ci([], LABELS)
    assert ci["accuracy"] is None and ci["n_dialogues"] == 0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LABELS), st.sampled_from(LABELS + (None,))), min_size=1, max_size=40))
def test_scores_of_one_matrix_equal_the_harness_metrics(pairs):
    rows = [{"id": f"t/d/{i}", "gold": g, "predicted": p} for i, (g, p) in enumerate(pairs)]
    _, counts = bootstrap.dialogue_counts(typed(rows), LABELS)
    scores = bootstrap.scores_of(counts.sum(axis=0))
    expected = metrics.summarise([g for g, _ in pairs], [p for _, p in pairs], LABELS)
    for metric in bootstrap.CI_METRICS:
        assert float(scores[metric]) == pytest.approx(expected[metric], abs=1e-12)


def test_run_json_holds_the_ci_that_predictions_jsonl_gives_back(tmp_path):
    from dataclasses import replace

    from harness.results.record import read_finished
    from harness.run import pipeline
    from harness.types import RunSpec, frozen_mapping

    _, folder = pipeline.run(RunSpec(task="sample", prompt="zero-shot", model="tfidf-lr"),
                             RunContext(default_registry()), results_dir=tmp_path)
    run = read_finished(folder)
    rows = run.predictions()
    assert all(row.dialogue_id == row.example_id.split("/")[1] for row in rows)
    stored = run.result.ci
    assert stored == bootstrap.bootstrap_ci(rows, run.result.labels)
    without = replace(run, result=replace(run.result, scores=frozen_mapping({**run.result.scores, "ci": None})))
    assert without.result.ci is None and stats.run_ci(without) == stored
    low, high = run.result.interval("weighted_f1")
    assert low <= run.result.score("weighted_f1") <= high
