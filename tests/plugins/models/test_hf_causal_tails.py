"""Real MELD prompts under Qwen2.5's tokenizer take the tail shortcut and tokenise exactly as lm-eval does."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.lm import tails
from harness.lm.tokens import encode_requests

QWEN = Path(__file__).resolve().parents[3].parent / "shared" / "tokenizers" / "qwen2.5"


@pytest.mark.skipif(not QWEN.is_dir(), reason="needs ../shared/tokenizers/qwen2.5")
def test_real_prompts_take_the_tails_and_equal_the_whole_string_split(data_dir):
    from transformers import AutoTokenizer

    from plugins.datasets.meld import Meld
    from plugins.prompts.zero_shot import ZeroShot

    tokenizer = AutoTokenizer.from_pretrained(QWEN)
    examples = Meld(data_dir).examples("test")[:200]
    prompts = [*ZeroShot(window="5").build(examples), *ZeroShot(window="all").build(examples)]
    requests = [(prompt.text, prompt.choices) for prompt in prompts]
    assert all(request is not None for request in tails.tail_encode(tokenizer, requests, None))
    assert tails.encode_requests_fast(tokenizer, requests) == encode_requests(tokenizer, requests)
