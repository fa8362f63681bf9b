"""Label scoring: lm-eval tokenisation, and every fast path equal to the naive loop."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from harness.errors import ConfigError  # noqa: E402
from plugins.models.scoring import (  # noqa: E402
    encode_pair,
    encode_request,
    score_choices,
    score_choices_naive,
    score_choices_padded,
)
from tests.tinymodels import build_tiny_llama  # noqa: E402

LABELS = (" neutral", " joy", " surprise", " anger", " sadness", " disgust", " fear")
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = build_tiny_llama(tmp_path_factory.mktemp("tiny"), hidden=32, layers=2, heads=4)
    model = transformers.AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32)
    model.eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    return model, tokenizer


def dialogue_requests(n: int = 6):
    """Consecutive prompts of one dialogue: each context extends the previous one."""
    turns = [
        "Ross: Oh my God, you're pregnant?",
        "Rachel: I can't believe it!",
        "Monica: That's amazing.",
        "Joey: You forgot to pick me up again.",
        "Chandler: I'm so sorry, work ran late.",
        "Phoebe: Please select the emotional label.",
    ]
    head = "Classify the emotion of the target utterance in this conversation.\nContext:\n"
    return [(head + "\n".join(turns[: i + 1]) + "\nAnswer:", LABELS) for i in range(n)]


def assert_close(fast, slow):
    assert len(fast) == len(slow)
    for got, want in zip(fast, slow):
        assert got.keys() == want.keys()
        for choice in want:
            assert abs(got[choice] - want[choice]) <= TOLERANCE, (choice, got[choice], want[choice])


def test_encode_pair_moves_trailing_spaces_to_the_continuation(tiny):
    _, tokenizer = tiny
    context, continuation = encode_pair(tokenizer, "Answer: ", "joy")
    assert context == tokenizer.encode("Answer:", add_special_tokens=False)
    assert tokenizer.decode(continuation) == " joy"


def test_encode_pair_empty_context_uses_bos(tiny):
    _, tokenizer = tiny
    context, continuation = encode_pair(tokenizer, "", "joy")
    assert context == [tokenizer.bos_token_id]
    assert continuation == tokenizer.encode("joy", add_special_tokens=False)


def test_encode_request_refuses_empty_choice_list(tiny):
    _, tokenizer = tiny
    with pytest.raises(ConfigError):
        encode_request(tokenizer, "Answer:", [])


def test_naive_matches_the_models_own_loss(tiny):
    """An independent check of the reference: HF's loss over the continuation tokens only."""
    model, tokenizer = tiny
    context, choice = "Target utterance: I can't believe it!\nAnswer:", " surprise"
    encoded = encode_request(tokenizer, context, [choice])
    tokens = torch.tensor([encoded.sequence(0)])
    labels = tokens.clone()
    labels[0, : len(encoded.context)] = -100
    with torch.no_grad():
        loss = model(input_ids=tokens, labels=labels).loss
    expected = -float(loss) * len(encoded.continuations[0])
    got = score_choices_naive(model, tokenizer, [(context, [choice])])[0][choice]
    assert abs(got - expected) <= TOLERANCE


def test_batched_equals_naive(tiny):
    model, tokenizer = tiny
    requests = dialogue_requests()
    padded = score_choices_padded(model, tokenizer, requests, batch_size=5)
    assert_close(padded, score_choices_naive(model, tokenizer, requests))


@pytest.mark.parametrize("max_tokens", [8, 64, 4096])
@pytest.mark.parametrize("reuse_prefix", [True, False])
def test_packed_equals_naive(tiny, max_tokens, reuse_prefix):
    model, tokenizer = tiny
    requests = dialogue_requests() + [("", LABELS), ("Answer: ", (" joy", "joy", " joyful"))]
    fast = score_choices(model, tokenizer, requests, max_tokens=max_tokens, reuse_prefix=reuse_prefix)
    assert_close(fast, score_choices_naive(model, tokenizer, requests))
