"""Dev-set scoring during LoRA training runs on the shared scorer and equals the naive oracle."""

from __future__ import annotations

import pytest

from harness.context import RunContext
from plugins.training import lora_data
from plugins.training.lora_run import choice_logprobs
from tests.plugins.training.lora_fixtures import meld, offline

torch = pytest.importorskip("torch")


@pytest.mark.slow
def test_dev_choice_logprobs_equal_one_forward_per_choice(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from harness.lm.oracle import sequence_logprob
    from tests.tinymodels import build_tiny_llama

    offline()
    folder = build_tiny_llama(tmp_path / "m", add_bos=True)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    from harness.discovery import default_registry

    strategy = lora_data.make_strategy("zero-shot", {"window": "2"}, RunContext(default_registry()))
    record = lora_data.build_records(strategy, meld().examples("dev")[:1], tokenizer)[0]
    got = choice_logprobs(model, tokenizer, record, max_length=48)  # short: the context is cut per choice
    for choice in record.answer_map:
        record_row = lora_data.Record(record.example, record.context, choice, {})
        row = lora_data.tokenize_record(record_row, tokenizer, 48, False)
        ids = row["input_ids"][:-1]
        answer = sum(label != lora_data.IGNORE for label in row["labels"]) - 1
        assert abs(got[choice] - sequence_logprob(model, ids, answer)) <= 1e-4
