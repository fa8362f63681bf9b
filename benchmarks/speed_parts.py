"""Pieces of the scoring benchmark: models, tokenizers, prompts, FLOP counts, peak rate, overheads."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

from harness.context import RunContext
from harness.discovery import default_registry
from harness.interfaces import Model
from harness.types import Completion, Prompt, RunSpec

VOCAB = 32000
#: Qwen2.5-7B's shape (its config.json), random weights: what the GPU targets are stated for.
QWEN25_7B = dict(hidden_size=3584, num_hidden_layers=28, num_attention_heads=28, num_key_value_heads=4,
                 intermediate_size=18944, vocab_size=152064)
SIZES = {
    "small": dict(hidden_size=512, num_hidden_layers=8, num_attention_heads=8, num_key_value_heads=8,
                  intermediate_size=1376),
    # TinyLlama-1.1B's shape.
    "1b": dict(hidden_size=2048, num_hidden_layers=22, num_attention_heads=32, num_key_value_heads=4,
               intermediate_size=5632),
}


def meld_task(data_dir: Path, name: str = "meld"):
    return default_registry().get("tasks", name).cls(data_dir)


def meld_bpe(task, vocab_size: int = VOCAB):
    """A 32k byte-level BPE trained on MELD train text: realistic merges for this domain."""
    from tests.tinymodels import train_tokenizer

    lines = [f"{u.speaker}: {u.text}" for d in task.dialogues("train") for u in d.utterances]
    return train_tokenizer(lines, vocab_size=vocab_size)


def build_tokenizers(task, names: Sequence[str]) -> dict:
    from tests.tinymodels import train_tokenizer

    makers = {"meld-bpe32k": lambda: meld_bpe(task), "small": train_tokenizer}
    tokenizers = {}
    for name in names:
        tokenizer = makers[name]()
        tokenizer.pad_token = tokenizer.eos_token
        tokenizers[name] = tokenizer
    return tokenizers


def build_model(size: str, device: str, dtype: str, tokenizers: dict):
    """A random-weight model: LLaMA of SIZES (vocab 32000, or the tokenizer's when larger), or Qwen2.5-7B's shape."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    any_tokenizer = next(iter(tokenizers.values()))
    special = dict(bos_token_id=any_tokenizer.bos_token_id, eos_token_id=any_tokenizer.eos_token_id,
                   pad_token_id=any_tokenizer.pad_token_id)
    if size == "qwen2.5-7b":
        config, cls = Qwen2Config(max_position_embeddings=32768, **QWEN25_7B, **special), Qwen2ForCausalLM
    else:
        vocab = max(VOCAB, max(len(t) for t in tokenizers.values()))
        config = LlamaConfig(vocab_size=vocab, max_position_embeddings=8192, **special, **SIZES[size])
        cls = LlamaForCausalLM
    config._attn_implementation = "sdpa"  # what the hf model's loader asks for
    torch.manual_seed(0)
    with torch.device(device):
        model = cls(config)
    return model.to(getattr(torch, dtype)).eval()


def block_flops(model, prompts, encode) -> float:
    """FLOPs through the transformer blocks' linear layers of every context token once plus every
    choice token (the issue's peak-share definition), whatever the method does beyond that."""
    config = model.config
    hidden, layers = config.hidden_size, config.num_hidden_layers
    kv_width = config.num_key_value_heads * (hidden // config.num_attention_heads)
    per_token = 2 * layers * (2 * hidden * hidden + 2 * hidden * kv_width + 3 * hidden * config.intermediate_size)
    tokens = 0
    for prompt in prompts:
        context = encode(prompt.text.rstrip())
        tokens += len(context) + sum(len(encode(prompt.text + c)) - len(context) for c in prompt.choices)
    return tokens * per_token


def zero_shot_requests(task, window: int, limit: int) -> list[tuple[str, tuple[str, ...]]]:
    """(prompt text, choices) from our zero-shot strategy, through the registry like a run."""
    strategy = default_registry().get("prompts", "zero-shot").cls(window=str(window))
    prompts = strategy.build(task.examples("test")[:limit])
    # The prompt convention: a choice is the exact continuation after "Answer:", leading space included.
    return [(p.text, tuple(c if c[:1].isspace() else " " + c for c in p.choices)) for p in prompts]


def matmul_peak(device: str, dtype: str, n: int | None = None) -> float:
    """Best GFLOP/s of a square matrix product on this machine: the ceiling for any scorer."""
    import torch

    n = n or (8192 if device.startswith("cuda") else 2048)
    a = torch.randn(n, n, device=device).to(getattr(torch, dtype))
    b = torch.randn(n, n, device=device).to(getattr(torch, dtype))
    best, spent = float("inf"), 0.0
    while spent < 2:  # as many runs as fit in 2 s, at least one (a slow path may take a minute)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        a @ b
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed), spent + elapsed
    return 2 * n**3 / best / 1e9


class ZeroCostScorer(Model):
    """Scores every choice 0 instantly: what is left of a run's time is the harness's own."""

    name = "zero-cost"
    description = "benchmark double"
    answer_mode = "score"

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        return [Completion(p.example.example_id, choice_logprobs={c: 0.0 for c in p.choices}) for p in prompts]


def overhead_per_example(data_dir: Path, results_dir: Path) -> float:
    """Seconds per example of a full zero-shot MELD test run (read, prompt, parse, score, save) with a free model."""
    from harness.run.pipeline import run
    from harness.sdk.testing import registry_with

    registry = registry_with([("models", ZeroCostScorer)])
    spec = RunSpec(task="meld", prompt="zero-shot", model="zero-cost", split="test")
    result, _ = run(spec, RunContext(registry, data_dir=data_dir), results_dir=results_dir)
    return result.duration_s / result.n


def best_wall(command: list[str], repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def help_time() -> float | None:
    """`ercbench --help` wall time minus a bare `python -c pass` (best of 5 each)."""
    script = Path(sys.executable).parent / "ercbench"
    if not script.exists():
        return None
    return best_wall([str(script), "--help"]) - best_wall([sys.executable, "-c", "pass"])
