"""The batched (GPU) path forced on the CPU: real prompts at every window, equal to the naive oracle, fed once."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from harness.discovery import default_registry  # noqa: E402
from harness.lm import streams, waves  # noqa: E402
from harness.lm.oracle import score_choices_naive  # noqa: E402
from harness.lm.score import score_choices  # noqa: E402
from harness.lm.stats import ScoreStats  # noqa: E402
from harness.lm.tokens import encode_request, encode_requests  # noqa: E402
from tests.harness.lm.test_score import assert_close  # noqa: E402
from tests.tinymodels import build_tiny_llama  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = build_tiny_llama(tmp_path_factory.mktemp("tiny"), hidden=32, layers=2, heads=4)
    model = transformers.AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32).eval()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield model, transformers.AutoTokenizer.from_pretrained(folder)
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def meld_examples(data_root):
    """The first dialogues of MELD's test split (dialogues of 3, 8, 11 and 2 utterances)."""
    return default_registry().get("tasks", "meld").cls(data_root).examples("test")[:24]


def single_token_labels(tokenizer, context: str) -> tuple[str, ...]:
    """Seven choices that are one token each after `context`."""
    candidates = [tokenizer.decode([token]) for token in range(40, 160)]
    singles = [c for c in dict.fromkeys(candidates)
               if c.strip() and len(encode_request(tokenizer, context, [c]).continuations[0]) == 1]
    return tuple(singles[:7])


@pytest.mark.parametrize("window", ["0", "1", "5", "all"])
@pytest.mark.parametrize("labels", ["multi-token", "single-token"])
def test_batched_equals_naive_on_real_prompts(tiny, meld_examples, window, labels, monkeypatch):
    from harness.lm import streams

    # Padding is a per-pass trade-off tuned on a GPU; with passes nearly free the bound below is the prefix
    # sharing alone (each shared prefix fed once), which is what this test checks.
    monkeypatch.setattr(streams, "PASS_TOKENS", 0)
    model, tokenizer = tiny
    prompts = default_registry().get("prompts", "zero-shot").cls(window=window).build(meld_examples)
    requests = [(p.text, p.choices) for p in prompts]
    if labels == "single-token":
        choices = single_token_labels(tokenizer, requests[0][0])
        assert len(choices) == 7
        requests = [(text, choices) for text, _ in requests]
    assert {len(ids) for r in encode_requests(tokenizer, requests) for ids in r.continuations} != {1} or (
        labels == "single-token")
    batched, packed = ScoreStats(), ScoreStats()
    fast = score_choices(model, tokenizer, requests, scorer="batched", max_tokens=2048, stats=batched)
    assert_close(fast, score_choices_naive(model, tokenizer, requests))
    score_choices(model, tokenizer, requests, scorer="packed", max_tokens=1024, stats=packed)
    assert batched.tokens_fed <= 1.2 * packed.tokens_fed
    encoded = encode_requests(tokenizer, requests)
    head = waves.common_head(encoded)
    assert head >= waves.MIN_HEAD  # the instruction: computed once, not once per row
    later_choice_tokens = sum(len(ids) - 1 for r in encoded for ids in r.continuations)
    contexts_fed = batched.tokens_real - later_choice_tokens
    assert contexts_fed <= sum(len(r.context) for r in encoded) - (len(encoded) - 1) * head


def test_head_then_rows_equal_naive_with_one_row_per_pass(tiny, meld_examples):
    """Every pass a single row, every wave split: the head's cache is shared by all of them."""
    model, tokenizer = tiny
    prompts = default_registry().get("prompts", "zero-shot").cls(window="5").build(meld_examples[:8])
    requests = [(p.text, p.choices) for p in prompts]
    fast = score_choices(model, tokenizer, requests, scorer="batched", batch_size=1)
    assert_close(fast, score_choices_naive(model, tokenizer, requests))


def test_passes_cut_where_padding_costs_more_than_a_pass():
    """Rows sorted by new-segment length; a cut when it saves more padding than a pass costs."""
    assert streams.split_rows([5, 5, 5], 1024) == [[0, 1, 2]]
    assert streams.split_rows([10, 10 + 2 * 1024, 11], 1024) == [[0, 2], [1]]
    assert streams.split_rows([10, 10 + 2 * 1024, 11], 4096) == [[0, 1, 2]]
    assert sorted(sum(streams.split_rows(list(range(1, 400, 7)), 1024), [])) == list(range(57))
