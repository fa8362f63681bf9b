"""Counters join field by field by their declared rule: associative, one part is itself, JSON round trip."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.counters import Counters, counter
from harness.lm.stats import ScoreStats
from harness.sdk import Counters as SdkCounters
from harness.sdk import counter as sdk_counter


@dataclass(frozen=True, kw_only=True)
class Inner(Counters):
    fed: int = counter("sum")
    peak: int = counter("max")


@dataclass(frozen=True, kw_only=True)
class Every(Counters):
    """One field per rule."""

    n: int = counter("sum")
    peak: int = counter("max")
    seen: tuple[str, ...] = counter("union", ())
    device: str = counter("first", "cpu")
    inner: Inner = counter("nested", Inner)
    stats: ScoreStats = counter("nested", ScoreStats)


def score_stats() -> st.SearchStrategy[ScoreStats]:
    number = st.integers(0, 10**6)
    return st.builds(ScoreStats, passes=number, tokens_fed=number, tokens_real=number, attention_scores=number,
                     tree_scores=number, max_pass_scores=number)


def every() -> st.SearchStrategy[Every]:
    return st.builds(
        Every, n=st.integers(0, 10**6), peak=st.integers(0, 10**6),
        seen=st.lists(st.sampled_from(["text", "chat-template", "plain-chat"]), unique=True).map(tuple),
        device=st.sampled_from(["cpu", "cuda:0"]),
        inner=st.builds(Inner, fed=st.integers(0, 99), peak=st.integers(0, 99)),
        stats=score_stats(),
    )


def test_the_sdk_hands_plugins_the_same_names():
    assert SdkCounters is Counters and sdk_counter is counter


@given(every(), every(), every())
def test_merging_is_associative(a, b, c):
    assert a.merge(b).merge(c) == a.merge(b.merge(c)) == Every.merged([a, b, c])


@given(every())
def test_one_part_merged_is_itself_and_json_round_trips(c):
    assert Every.merged([c]) == c
    assert Every.from_json(c.to_json()) == c


def test_each_rule():
    a = Every(n=2, peak=5, seen=("text",), device="cuda:0", inner=Inner(fed=1, peak=9), stats=ScoreStats(passes=1))
    b = Every(n=3, peak=7, seen=("chat-template", "text"), device="cpu", inner=Inner(fed=4, peak=2),
              stats=ScoreStats(passes=2, tokens_fed=10, max_pass_scores=6))
    joined = a.merge(b)
    assert (joined.n, joined.peak, joined.seen, joined.device) == (5, 7, ("text", "chat-template"), "cuda:0")
    assert joined.inner == Inner(fed=5, peak=9)
    assert joined.stats == ScoreStats(passes=3, tokens_fed=10, max_pass_scores=6)
    assert a.n == 2 and a.stats.passes == 1  # the parts are left as they were


def test_json_has_nested_objects_and_lists_and_old_or_missing_keys_take_defaults():
    stats = ScoreStats(passes=1, tokens_fed=8)
    data = Every(seen=("text",), stats=stats).to_json()
    assert data["seen"] == ["text"] and data["stats"] == stats.as_dict() and data["inner"] == {"fed": 0, "peak": 0}
    assert Every.from_json({"n": 4, "gone": 1}) == Every(n=4)


def test_score_stats_declare_sums_and_the_largest_pass():
    first, second = ScoreStats(), ScoreStats()
    first.add_pass(10, 8, 50, 40)
    second.add_pass(20, 20, 30, 30)
    second.add_pass(5, 5, 70, 60)
    first.merge(second)
    assert first == ScoreStats(passes=3, tokens_fed=35, tokens_real=33, attention_scores=150, tree_scores=130,
                               max_pass_scores=70)


def test_a_field_without_a_rule_or_an_unknown_rule_is_refused():
    @dataclass(frozen=True, kw_only=True)
    class Undeclared(Counters):
        n: int = field(default=0)

    with pytest.raises(TypeError, match=r"Undeclared.n declares no merge rule"):
        Undeclared().merge(Undeclared())
    with pytest.raises(ValueError, match="unknown merge rule 'mean'"):
        counter("mean")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one part"):
        Every.merged([])


def test_a_wrongly_shaped_record_is_refused():
    with pytest.raises(ValueError, match="expected an object"):
        Every.from_json(["n"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Every.seen: expected a list"):
        Every.from_json({"seen": "text"})
    with pytest.raises(ValueError, match=r"Every.n: expected a number"):
        Every.from_json({"n": "4"})
