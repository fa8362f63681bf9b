"""Metrics agree with scikit-learn on arbitrary inputs, unparseable predictions included."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from harness import metrics

LABELS = ("a", "b", "c", "d")
UNPARSED = "<unparsed>"


@st.composite
def gold_and_predicted(draw):
    n = draw(st.integers(min_value=1, max_value=60))
    gold = draw(st.lists(st.sampled_from(LABELS), min_size=n, max_size=n))
    predicted = draw(st.lists(st.one_of(st.none(), st.sampled_from(LABELS)), min_size=n, max_size=n))
    return gold, predicted


def for_sklearn(predicted):
    return [UNPARSED if p is None else p for p in predicted]


@settings(max_examples=100, deadline=None)  # each example costs several sklearn calls
@given(gold_and_predicted())
def test_scores_equal_sklearn(pair):
    gold, predicted = pair
    sk_pred = for_sklearn(predicted)
    labels = list(LABELS)
    assert metrics.accuracy(gold, predicted) == pytest.approx(skm.accuracy_score(gold, sk_pred))
    assert metrics.weighted_f1(gold, predicted, labels) == pytest.approx(
        skm.f1_score(gold, sk_pred, labels=labels, average="weighted", zero_division=0)
    )
    assert metrics.macro_f1(gold, predicted, labels) == pytest.approx(
        skm.f1_score(gold, sk_pred, labels=labels, average="macro", zero_division=0)
    )


@settings(max_examples=50, deadline=None)
@given(gold_and_predicted())
def test_per_label_and_confusion_equal_sklearn(pair):
    gold, predicted = pair
    sk_pred = for_sklearn(predicted)
    labels = list(LABELS)
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        gold, sk_pred, labels=labels, zero_division=0
    )
    table = metrics.per_label(gold, predicted, labels)
    for i, label in enumerate(labels):
        assert table[label]["precision"] == pytest.approx(precision[i])
        assert table[label]["recall"] == pytest.approx(recall[i])
        assert table[label]["f1"] == pytest.approx(f1[i])
        assert table[label]["support"] == support[i]
    assert metrics.confusion(gold, predicted, labels) == skm.confusion_matrix(
        gold, sk_pred, labels=labels
    ).tolist()


def test_unparseable_counts_as_wrong():
    assert metrics.accuracy(["a", "b"], [None, "b"]) == 0.5


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="2 gold labels but 1 predictions"):
        metrics.accuracy(["a", "b"], ["a"])
