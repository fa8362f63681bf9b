"""The label scorer: lm-eval tokenisation, and both paths (packed, batched) equal to the naive oracle."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

os.environ.setdefault("HF_HUB_OFFLINE", "1")
torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from harness.errors import ConfigError  # noqa: E402
from harness.lm.oracle import score_choices_naive  # noqa: E402
from harness.lm.score import score_choices  # noqa: E402
from harness.lm.stats import ScoreStats  # noqa: E402
from harness.lm.tokens import encode_pair, encode_request  # noqa: E402
from tests.tinymodels import build_tiny_llama  # noqa: E402

LABELS = (" neutral", " joy", " surprise", " anger", " sadness", " disgust", " fear")
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = build_tiny_llama(tmp_path_factory.mktemp("tiny"), hidden=32, layers=2, heads=4)
    model = transformers.AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32)
    model.eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    # A tiny model gains nothing from threads, and on a shared CI runner they only contend.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield model, tokenizer
    torch.set_num_threads(threads)


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


MIXED = [("", LABELS), ("Answer: ", (" joy", "joy", " joyful"))]


@pytest.mark.parametrize("max_tokens", [8, 64, 4096])
@pytest.mark.parametrize("reuse_prefix", [True, False])
def test_packed_equals_naive(tiny, max_tokens, reuse_prefix):
    model, tokenizer = tiny
    requests = dialogue_requests() + MIXED
    fast = score_choices(model, tokenizer, requests, scorer="packed", max_tokens=max_tokens, reuse_prefix=reuse_prefix)
    assert_close(fast, score_choices_naive(model, tokenizer, requests))


@pytest.mark.parametrize("rows", [None, 1, 2, 3, 8])
@pytest.mark.parametrize("reuse_prefix", [True, False])
def test_batched_equals_naive(tiny, rows, reuse_prefix):
    """Streams (carried prefixes) when contexts share most tokens, sorted fresh rows otherwise."""
    model, tokenizer = tiny
    requests = dialogue_requests() + MIXED + dialogue_requests(3)
    stats = ScoreStats()
    fast = score_choices(model, tokenizer, requests, scorer="batched", batch_size=rows, reuse_prefix=reuse_prefix,
                         stats=stats)
    assert_close(fast, score_choices_naive(model, tokenizer, requests))
    fed_alone = sum(len(encode_request(tokenizer, *request).context) for request in requests)
    choice_tokens = sum(len(tokenizer(c, add_special_tokens=False)["input_ids"]) for _, cs in requests for c in cs)
    if reuse_prefix:  # streams: each dialogue's history is fed once, not once per request
        assert stats.tokens_real < 0.8 * fed_alone
    else:
        assert stats.tokens_real >= fed_alone - choice_tokens


def test_batched_single_token_labels_need_one_pass_per_wave(tiny):
    """Choices whose first tokens are whole labels: the last context position's logits suffice."""
    model, tokenizer = tiny
    candidates = [tokenizer.decode([token]) for token in range(40, 120)]
    context = dialogue_requests()[0][0]
    singles = tuple(dict.fromkeys(c for c in candidates if c.strip() and len(encode_request(
        tokenizer, context, [c]).continuations[0]) == 1))[:7]
    assert len(singles) == 7
    requests = [(text, singles) for text, _ in dialogue_requests()]
    stats = ScoreStats()
    fast = score_choices(model, tokenizer, requests, scorer="batched", batch_size=6, reuse_prefix=False, stats=stats)
    assert stats.passes == 1
    assert_close(fast, score_choices_naive(model, tokenizer, requests))


def test_batched_attention_follows_the_tree_not_the_square_of_the_pass(tiny):
    """A packed pass computes (new tokens x all keys); the batched one about the tree's own size."""
    model, tokenizer = tiny
    requests = [(f"Q{i}: " + "I can't believe it! " * (1 + i % 4) + "Answer:", LABELS) for i in range(24)]
    packed, batched = ScoreStats(), ScoreStats()
    score_choices(model, tokenizer, requests, scorer="packed", max_tokens=4096, stats=packed)
    score_choices(model, tokenizer, requests, scorer="batched", max_tokens=4096, stats=batched)
    assert abs(batched.tree_scores - packed.tree_scores) < 0.01 * packed.tree_scores
    assert packed.attention_scores > 10 * packed.tree_scores
    assert batched.attention_scores < 4 * batched.tree_scores  # padding only


def test_same_numbers_and_tokens_as_lm_eval(tiny):
    """lm-evaluation-harness's HF backend on the same model object is the definition we follow."""
    pytest.importorskip("lm_eval")
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM

    model, tokenizer = tiny
    lm = HFLM(pretrained=model, tokenizer=tokenizer, batch_size=4, device="cpu")
    requests = dialogue_requests(3) + [("Answer: ", (" joy", "joy", "\nfear")), ("", LABELS[:3])]
    for context, choices in requests:
        for choice in choices:
            ours = encode_request(tokenizer, context, [choice])
            theirs = lm._encode_pair(context, choice) if context else None
            if theirs:
                assert (list(ours.context), list(ours.continuations[0])) == (theirs[0], theirs[1])
    instances = [
        Instance(request_type="loglikelihood", doc={}, arguments=(context, choice), idx=i)
        for context, choices in requests
        for i, choice in enumerate(choices)
    ]
    expected = iter(value for value, _ in lm.loglikelihood(instances, disable_tqdm=True))
    want = [{choice: next(expected) for choice in choices} for _, choices in requests]
    assert_close(score_choices(model, tokenizer, requests, max_tokens=64), want)
    assert_close(score_choices(model, tokenizer, requests, scorer="batched"), want)


WORDS = st.sampled_from(["joy", "fear", "Ross:", "Answer:", "I", "can't", "\n", "sad", "ness", "?", "o"])
TEXT = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)


@st.composite
def request_lists(draw):
    """Consecutive requests whose contexts share a random prefix, as a dialogue's prompts do."""
    head = "Q: " + draw(TEXT)
    contexts = draw(st.lists(st.one_of(st.just(""), TEXT), min_size=1, max_size=4))
    choices = draw(st.lists(TEXT, min_size=1, max_size=4, unique=True))
    trailing = draw(st.sampled_from(["", " ", "\n"]))
    return [(head + " " + tail + trailing, choices) for tail in contexts]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(requests=request_lists(), max_tokens=st.integers(1, 80), reuse=st.booleans(),
       scorer=st.sampled_from(["packed", "batched"]), rows=st.sampled_from([None, 1, 2, 3]))
def test_fast_paths_equal_naive_on_random_requests(tiny, requests, max_tokens, reuse, scorer, rows):
    model, tokenizer = tiny
    fast = score_choices(model, tokenizer, requests, scorer=scorer, max_tokens=max_tokens, reuse_prefix=reuse,
                         batch_size=rows)
    assert_close(fast, score_choices_naive(model, tokenizer, requests))


@pytest.mark.parametrize("request_", [(" \n", ["joy"]), ("Answer:", ["joy", "joy"]), ("Answer:", [""])])
def test_bad_requests_are_config_errors(tiny, request_):
    _, tokenizer = tiny
    with pytest.raises(ConfigError):
        encode_request(tokenizer, *request_)


def test_flash_attention_models_are_refused_in_one_line(tiny):
    """Flash-attention kernels take no custom 4D mask, which both paths need."""
    import types

    from harness.lm.score import takes_custom_mask

    model, tokenizer = tiny
    flash = types.SimpleNamespace(config=types.SimpleNamespace(_attn_implementation="flash_attention_2"))
    assert not takes_custom_mask(flash) and takes_custom_mask(model)
    flash.parameters = model.parameters
    with pytest.raises(ConfigError, match="sdpa or eager"):
        score_choices(flash, tokenizer, dialogue_requests(1))


def test_auto_picks_packed_on_cpu(tiny):
    from harness.lm.score import pick_scorer

    model, _ = tiny
    assert pick_scorer(model, "auto") == "packed"
    with pytest.raises(ConfigError, match="scorer must be one of"):
        pick_scorer(model, "fastest")


def test_no_requests_no_work(tiny):
    model, tokenizer = tiny
    assert score_choices(model, tokenizer, []) == []
    assert score_choices(model, tokenizer, [], scorer="batched") == []


def test_gpu_token_budget_follows_free_memory(monkeypatch):
    """On a GPU the tokens per pass shrink with free memory, between 64 and the GPU cap."""
    import types

    from harness.lm import packed as scoring_run
    from harness.lm import waves

    parameter = types.SimpleNamespace(device=types.SimpleNamespace(type="cuda"), element_size=lambda: 2)
    config = types.SimpleNamespace(num_hidden_layers=32, hidden_size=4096, intermediate_size=11008,
                                   num_attention_heads=32)
    model = types.SimpleNamespace(config=config, parameters=lambda: iter([parameter]))
    budgets = []
    for free_gib in (0.01, 2, 8, 80):
        monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device, f=free_gib: (int(f * 2**30), 80 * 2**30))
        budgets.append(scoring_run.token_budget(model))
    assert budgets == sorted(budgets) and budgets[0] == 64 and budgets[-1] == scoring_run.GPU_TOKEN_BUDGET
    batched = []
    for free_gib in (0.01, 2, 8, 140):
        monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device, f=free_gib: (int(f * 2**30), 80 * 2**30))
        batched.append(waves.token_budget(model, 2048))
    assert batched == sorted(batched) and batched[0] == 256 and batched[-1] == waves.GPU_TOKEN_BUDGET
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device: pytest.fail("CPU must not ask CUDA"))
    cpu = types.SimpleNamespace(device=types.SimpleNamespace(type="cpu"))
    on_cpu = types.SimpleNamespace(parameters=lambda: iter([cpu]))
    assert scoring_run.token_budget(on_cpu) == scoring_run.CPU_TOKEN_BUDGET


def several_dialogues(lengths=(1, 6, 3, 5, 2, 4)):
    """Full-history prompts of dialogues of different lengths, one after another."""
    turns = [
        "Ross: Oh my God, you're pregnant?",
        "Rachel: I can't believe it!",
        "Monica: That's amazing, really.",
        "Joey: You forgot to pick me up again.",
        "Chandler: I'm so sorry, work ran late.",
        "Phoebe: Please select the emotional label.",
    ]
    head = "Classify the emotion.\n"
    requests = []
    for number, length in enumerate(lengths):
        said = turns[number % len(turns):] + turns[: number % len(turns)]
        requests += [(head + "\n".join(said[: i + 1]) + "\nAnswer:", LABELS[: 3 + number % 4]) for i in range(length)]
    return requests


@pytest.mark.parametrize("rows", [None, 2])
@pytest.mark.parametrize("split", [True, False])
def test_batched_streams_feed_each_dialogue_once(tiny, rows, split, monkeypatch):
    """Full history: one dialogue per row, each utterance's new tokens fed once over its own cache;
    with `split` every wave whose new segments differ runs as several passes over parts of the cache."""
    from harness.lm import streams, waves

    monkeypatch.setattr(streams, "PASS_TOKENS", 0 if split else 10**6)
    monkeypatch.setattr(waves, "FED_LIMIT", float("inf"))  # the pass cost as set, whatever the padding
    model, tokenizer = tiny
    requests = several_dialogues()
    batched, packed = ScoreStats(), ScoreStats()
    fast = score_choices(model, tokenizer, requests, scorer="batched", batch_size=rows, stats=batched)
    assert_close(fast, score_choices_naive(model, tokenizer, requests))
    score_choices(model, tokenizer, requests, scorer="packed", max_tokens=4096, stats=packed)
    fed_alone = sum(len(encode_request(tokenizer, *request).context) for request in requests)
    assert batched.tokens_real < 0.6 * fed_alone  # whole prompts: 1430 tokens, streams: 714
    assert batched.tokens_fed < 1.3 * packed.tokens_fed
    assert batched.attention_scores < 1.6 * batched.tree_scores  # padding only: 1.4x
    assert (batched.passes > 12 * (rows or 1)) == split  # two stages per wave, and some waves split
