"""Token-tree packing: every read position sees exactly its own context + choice prefix, in order."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.lm.pack import Carry, common_prefix, new_tokens_needed, pack, plan_groups
from harness.lm.tokens import EncodedRequest

TOKENS = st.lists(st.integers(0, 3), min_size=0, max_size=8).map(tuple)


@st.composite
def requests_and_carry(draw):
    """Requests sharing random prefixes (small alphabet, so prefixes collide often) and a carry."""
    head = draw(TOKENS)
    requests = []
    for _ in range(draw(st.integers(1, 4))):
        context = head + draw(TOKENS) + (9,)
        n_choices = draw(st.integers(1, 3))
        continuations = tuple(draw(st.lists(st.integers(0, 3), min_size=1, max_size=3).map(tuple))
                              for _ in range(n_choices))
        requests.append(EncodedRequest(tuple(f"c{i}" for i in range(n_choices)), context, continuations))
    carry_tokens = draw(st.sampled_from([(), head, requests[0].context, head + (5,)]))
    return requests, Carry(carry_tokens)


def visible_sequence(group, carry, key):
    """The tokens (in position order) that the query at `key` attends to, itself included."""
    tokens = np.array(list(carry.tokens) + group.tokens)
    positions = np.array(list(range(len(carry.tokens))) + group.positions)
    row = group.mask()[key - group.n_cached]
    keys = np.flatnonzero(row)
    order = np.argsort(positions[keys])
    assert list(positions[keys][order]) == list(range(len(keys))), "positions must be 0..n-1 without gaps"
    return tuple(tokens[keys][order].tolist())


@settings(max_examples=200, deadline=None)
@given(case=requests_and_carry())
def test_each_read_sees_exactly_its_own_prefix(case):
    requests, carry = case
    group = pack(carry, requests, first_slot=0)
    reads = iter(zip(group.read_keys, group.read_targets, group.read_slots))
    slot = 0
    for request in requests:
        for continuation in request.continuations:
            for depth, target in enumerate(continuation):
                key, read_target, read_slot = next(reads)
                assert (read_target, read_slot) == (target, slot)
                assert key >= group.n_cached, "logits exist only for tokens fed in this pass"
                assert visible_sequence(group, carry, key) == request.context + continuation[:depth]
            slot += 1
    assert next(reads, None) is None


@settings(max_examples=100, deadline=None)
@given(case=requests_and_carry())
def test_shared_prefixes_are_fed_once(case):
    requests, carry = case
    group = pack(carry, requests, first_slot=0)
    previous, expected = carry.tokens, 0
    for request in requests:
        expected += new_tokens_needed(previous, request)
        previous = request.context
    assert group.n_new == expected
    naive = sum(len(r.context) + len(c) - 1 for r in requests for c in r.continuations)
    assert group.n_new <= naive


def test_common_prefix():
    assert common_prefix((1, 2, 3), (1, 2, 4)) == 2
    assert common_prefix((1, 2), (1, 2, 4)) == 2
    assert common_prefix((), (1,)) == 0
    assert common_prefix((5,), (1,)) == 0


def test_plan_groups_respects_the_token_budget_but_takes_at_least_one_request():
    big = EncodedRequest(("a",), tuple(range(50)), ((1,),))
    small = EncodedRequest(("a",), (7, 8), ((1,),))
    assert plan_groups([big, small, small], (), max_tokens=10, max_requests=99) == [[0], [1, 2]]
    assert plan_groups([small, small, small], (), max_tokens=99, max_requests=2) == [[0, 1], [2]]
