"""Greedy generation: the batched loop (finished rows dropped) writes the text a per-prompt greedy loop does."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from harness.lm import generate as generation  # noqa: E402
from harness.lm import waves  # noqa: E402
from tests.tinymodels import build_tiny_llama  # noqa: E402

PROMPTS = [
    "Classify the emotion of the target utterance in this conversation.\nContext:\nRoss: Oh my God, you're pregnant?",
    "Target utterance: I can't believe it!\nAnswer:",
    "Joey: You forgot to pick me up again.\nChandler: I'm so sorry, work ran late.\nAnswer:",
    "neutral joy",
    "Please select the emotional label of the speaker from the options. ### Response:",
    "Mad Sad",
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = build_tiny_llama(tmp_path_factory.mktemp("tiny"), hidden=32, layers=2, heads=4, seed=3)
    model = transformers.AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    return model, transformers.AutoTokenizer.from_pretrained(folder)


def naive_greedy(model, tokenizer, ids, settings) -> str:
    """One prompt at a time, the whole sequence through the model at every step, no cache, no padding;
    every new token up to max_new_tokens or an end-of-sequence token, then the text cut at the stops."""
    sequence, new = list(ids), []
    for _ in range(settings["max_new_tokens"]):
        with torch.inference_mode():
            token = int(model(input_ids=torch.tensor([sequence])).logits[0, -1].argmax())
        sequence.append(token)
        new.append(token)
        if token in generation.eos_ids(model):
            break
    return generation.cut_at_stop(tokenizer.decode(new, skip_special_tokens=True), settings["stop"])


def stops_seen(model, tokenizer, inputs, settings) -> tuple[str, ...]:
    """Two stop strings the random model does write, so some rows stop early and others do not."""
    texts = [naive_greedy(model, tokenizer, ids, {**settings, "stop": ()}) for ids in inputs]
    return (texts[0].strip()[2:4], texts[2].strip()[:2])


@pytest.mark.parametrize("batch_size", [None, 1, 4])
def test_greedy_batches_write_the_per_prompt_text(tiny, batch_size, monkeypatch):
    model, tokenizer = tiny
    inputs = [tokenizer.encode(text) for text in PROMPTS]
    settings = {"max_new_tokens": 12, "num_beams": 1, "stop": (), "batch_size": batch_size}
    settings["stop"] = stops_seen(model, tokenizer, inputs, settings)
    want = [naive_greedy(model, tokenizer, ids, settings) for ids in inputs]
    full = [naive_greedy(model, tokenizer, ids, {**settings, "stop": ()}) for ids in inputs]
    assert sum(w != f for w, f in zip(want, full)) >= 2  # some rows stop early, at a stop string
    dropped = []
    original = generation.map_cache
    monkeypatch.setattr(generation, "map_cache", lambda cache, change: dropped.append(1) or original(cache, change))
    assert generation.generate(model, tokenizer, inputs, settings) == want
    assert dropped or batch_size == 1  # finished rows left the batch's cache
    assert [generation.hf_batch(model, tokenizer, [ids], settings)[0] for ids in inputs] == want


def test_an_end_of_sequence_token_ends_its_row(tiny, monkeypatch):
    model, tokenizer = tiny
    inputs = [tokenizer.encode(text) for text in PROMPTS]
    settings = {"max_new_tokens": 8, "num_beams": 1, "stop": (), "batch_size": None}
    first = int(model(input_ids=torch.tensor([inputs[1]])).logits[0, -1].argmax())
    monkeypatch.setattr(model.generation_config, "eos_token_id", [tokenizer.eos_token_id, first])
    want = [naive_greedy(model, tokenizer, ids, settings) for ids in inputs]
    assert generation.generate(model, tokenizer, inputs, settings) == want
    assert generation.hf_batch(model, tokenizer, inputs, settings) == want


def test_beams_and_logit_processors_go_through_transformers(tiny, monkeypatch):
    model, tokenizer = tiny
    calls = []
    monkeypatch.setattr(generation, "hf_batch", lambda m, t, seqs, s: calls.append(len(seqs)) or [""] * len(seqs))
    inputs = [tokenizer.encode(text) for text in PROMPTS]
    generation.generate(model, tokenizer, inputs, {"max_new_tokens": 3, "num_beams": 2, "stop": (), "batch_size": 4})
    assert calls == [4, 2]
    monkeypatch.setattr(model.generation_config, "repetition_penalty", 1.05)
    assert not generation.plain_greedy(model)
    generation.generate(model, tokenizer, inputs, {"max_new_tokens": 3, "num_beams": 1, "stop": (), "batch_size": None})
    assert calls == [4, 2, generation.CPU_ROWS, len(PROMPTS) - generation.CPU_ROWS] or calls[2:] == [len(PROMPTS)]


def test_greedy_rows_fill_the_token_budget_on_a_cpu_too(tiny, monkeypatch):
    """Each decoding step reads every weight once, so a CPU batch takes as many rows as the budget holds."""
    model, tokenizer = tiny
    calls = []
    monkeypatch.setattr(generation, "greedy_batch", lambda m, t, seqs, s: calls.append(len(seqs)) or [""] * len(seqs))
    inputs = [tokenizer.encode(text) for text in PROMPTS * 3]
    settings = {"max_new_tokens": 3, "num_beams": 1, "stop": (), "batch_size": None}
    generation.generate(model, tokenizer, inputs, settings)
    assert calls == [len(inputs)] and len(inputs) > generation.CPU_ROWS
    monkeypatch.setattr(waves, "token_budget", lambda model, longest: 2 * (longest + 3))
    calls.clear()
    generation.generate(model, tokenizer, inputs, settings)
    assert calls[0] == 2 and sum(calls) == len(inputs)
