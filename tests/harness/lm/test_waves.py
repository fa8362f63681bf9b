"""The GPU scorer's plan: as few passes as keep the padding within FED_LIMIT, on real prompts and the real tokenizer."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.discovery import default_registry
from harness.lm import streams, waves
from harness.lm.tokens import EncodedRequest

QWEN = Path(__file__).resolve().parents[3].parent / "shared" / "tokenizers" / "qwen2.5"


def plan_of(encoded):
    """What score_batched plans: chains or singletons, and the cost of a pass they are cut at."""
    shared, common = waves.shared_lengths(encoded), waves.common_head(encoded)
    head = common if common >= waves.MIN_HEAD else 0
    plans = [streams.group_chains(encoded, runs, 32768, 10**6, len(encoded))
             for runs in (streams.chains(encoded, shared, common), [[i] for i in range(len(encoded))])]
    groups, pass_tokens = waves.fitted_plan(encoded, shared, head, plans)
    tree = sum(len(request.context) for request in encoded) - sum(shared)
    return shared, head, plans, groups, pass_tokens, tree


def requests_of(lengths: list[int]) -> list[EncodedRequest]:
    """Unrelated contexts of these lengths (a shared 10-token head, then tokens no other context has)."""
    return [EncodedRequest(("a",), tuple(range(10)) + tuple(range(1000 * (i + 1), 1000 * (i + 1) + n)), ((1,),))
            for i, n in enumerate(lengths)]


def test_a_plan_that_pads_little_keeps_the_largest_pass_cost():
    shared, head, plans, groups, pass_tokens, tree = plan_of(requests_of([40] * 30))
    assert pass_tokens == streams.PASS_TOKENS
    assert waves.groups_cost(requests_of([40] * 30), shared, head, groups, pass_tokens) <= waves.FED_LIMIT * tree


def test_padding_halves_the_pass_cost_until_the_plan_fits():
    lengths = [20] * 30 + [30] * 30  # one pass pads 30 rows by 10 tokens: 300 tokens, less than a pass costs
    encoded = requests_of(lengths)
    shared, head, plans, groups, pass_tokens, tree = plan_of(encoded)
    assert pass_tokens < streams.PASS_TOKENS
    assert waves.groups_cost(encoded, shared, head, groups, pass_tokens) <= waves.FED_LIMIT * tree
    doubled = min(waves.groups_cost(encoded, shared, head, plan, 2 * pass_tokens) for plan in plans)
    assert doubled > waves.FED_LIMIT * tree  # the largest pass cost that fits


@pytest.mark.skipif(not QWEN.is_dir(), reason="needs ../shared/tokenizers/qwen2.5")
@pytest.mark.parametrize("task", ["meld", "emorynlp"])
def test_real_test_splits_feed_within_the_limit_at_every_window(data_root, task):
    from transformers import AutoTokenizer

    from harness.lm.tails import encode_requests_fast

    tokenizer = AutoTokenizer.from_pretrained(QWEN)
    examples = default_registry().get("tasks", task).cls(data_root).examples("test")
    for window in ("0", "1", "5", "all"):
        prompts = default_registry().get("prompts", "zero-shot").cls(window=window).build(examples)
        encoded = encode_requests_fast(tokenizer, [(p.text, p.choices) for p in prompts])
        shared, head, _, groups, pass_tokens, tree = plan_of(encoded)
        fed = waves.groups_cost(encoded, shared, head, groups, pass_tokens)
        assert fed <= waves.FED_LIMIT * tree, (window, pass_tokens)
        assert pass_tokens >= 64, window  # still a few passes per wave, not one per length
