"""Pieces of the scoring benchmark: models, tokenizers, prompts, FLOP counts, peak rate, overheads."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

from harness.discovery import default_registry
from harness.interfaces import Model
from harness.types import Completion, Prompt, RunSpec

VOCAB = 32000
SIZES = {
    "small": dict(hidden_size=512, num_hidden_layers=8, num_attention_heads=8, num_key_value_heads=8,
                  intermediate_size=1376),
    # TinyLlama-1.1B's shape.
    "1b": dict(hidden_size=2048, num_hidden_layers=22, num_attention_heads=32, num_key_value_heads=4,
               intermediate_size=5632),
}


def meld_task(data_dir: Path):
    return default_registry().get("tasks", "meld").cls(data_dir)


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
    """A random-weight LLaMA; vocab 32000 whatever the tokenizer, so both tokenizers cost the same per token."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    any_tokenizer = next(iter(tokenizers.values()))
    config = LlamaConfig(
        vocab_size=VOCAB, max_position_embeddings=4096, bos_token_id=any_tokenizer.bos_token_id,
        eos_token_id=any_tokenizer.eos_token_id, pad_token_id=any_tokenizer.pad_token_id, **SIZES[size],
    )
    torch.manual_seed(0)
    with torch.device(device):
        model = LlamaForCausalLM(config)
    return model.to(getattr(torch, dtype)).eval()


def zero_shot_requests(task, window: int, limit: int) -> list[tuple[str, tuple[str, ...]]]:
    """(prompt text, choices) from our zero-shot strategy, through the registry like a run."""
    strategy = default_registry().get("prompts", "zero-shot").cls(window=str(window))
    prompts = strategy.build(task.examples("test")[:limit])
    # The prompt convention: a choice is the exact continuation after "Answer:", leading space included.
    return [(p.text, tuple(c if c[:1].isspace() else " " + c for c in p.choices)) for p in prompts]


def label_token_counts(encoded) -> str:
    return ",".join(str(len(ids)) for ids in encoded.continuations)


def packed_flops(model, encoded, max_tokens: int | None) -> float:
    """Floating-point operations our packed scorer performs: linear layers over fed tokens,
    the (masked, so all) attention scores, and the output head at the read positions only."""
    from plugins.models.scoring_pack import Carry, pack, plan_groups
    from plugins.models.scoring_run import token_budget

    config = model.config
    hidden, layers = config.hidden_size, config.num_hidden_layers
    head_dim = hidden // config.num_attention_heads
    kv_width = config.num_key_value_heads * head_dim
    per_token = 2 * layers * (2 * hidden * hidden + 2 * hidden * kv_width + 3 * hidden * config.intermediate_size)
    total = 0.0
    carry = Carry()
    for members in plan_groups(encoded, (), max_tokens or token_budget(model), len(encoded)):
        group = pack(carry, [encoded[i] for i in members], 0)
        n, keys = group.n_new, group.n_cached + group.n_new
        total += n * per_token + 4 * layers * n * keys * hidden
        total += 2 * len(set(group.read_keys)) * hidden * config.vocab_size
        carry = Carry(group.last_tokens)
    return total


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
    result, _ = run(spec, data_dir=data_dir, results_dir=results_dir, registry=registry)
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
