"""Tokens fed and attention scores each scoring path computes against the token tree's own, on full test splits.

Counts do not depend on the model's width, so a tiny random model with the real tokenizer shows,
without a GPU, what a 7B pass would compute:
    python benchmarks/attention_count.py --tokenizer ../shared/tokenizers/qwen2.5 --max-tokens 32768
A second table puts, per window, the batched (GPU) path's tokens fed next to the packed (CPU) path's
and the token tree's (every context token shared with the previous prompt counted once).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def tiny_model(tokenizer):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=32768)
    config._attn_implementation = "sdpa"
    torch.manual_seed(0)
    return LlamaForCausalLM(config).eval()


def tree_tokens(tokenizer, requests) -> int:
    """Nodes of the consecutive prompts' token tree: each context's tokens past what it shares with the
    one before (its last token always), plus every choice's tokens but its last."""
    from harness.lm.tokens import encode_requests
    from harness.lm.waves import shared_lengths

    encoded = encode_requests(tokenizer, requests)
    contexts = sum(len(r.context) for r in encoded) - sum(shared_lengths(encoded))
    return contexts + sum(len(ids) - 1 for r in encoded for ids in r.continuations)


def main(argv=None) -> None:
    from harness.discovery import default_registry
    from harness.lm.loading import load_tokenizer
    from harness.lm.score import score_choices
    from harness.lm.stats import ScoreStats

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--tasks", default="meld,emorynlp")
    parser.add_argument("--windows", default="0,1,5,all")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--max-tokens", type=int, default=32768, help="tokens per pass (the GPU cap)")
    parser.add_argument("--data-dir", type=Path,
                        default=Path(os.environ.get("ERCBENCH_DATA", ROOT.parent / "shared" / "data")))
    args = parser.parse_args(argv)
    tokenizer = load_tokenizer(args.tokenizer)[0]
    model = tiny_model(tokenizer)
    registry = default_registry()
    print("| task | window | n | path | passes | tokens fed | attention computed | tree | computed / tree "
          "| largest pass |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    fed = []
    for task in args.tasks.split(","):
        examples = registry.get("tasks", task).cls(args.data_dir).examples("test")[: args.limit]
        for window in args.windows.split(","):
            prompts = registry.get("prompts", "zero-shot").cls(window=window).build(examples)
            requests = [(p.text, p.choices) for p in prompts]
            counts = []
            for path, budget in (("packed (CPU)", 1024), ("batched (GPU)", args.max_tokens)):
                stats = ScoreStats()
                score_choices(model, tokenizer, requests, scorer=path.split()[0], max_tokens=budget, stats=stats)
                counts.append(stats)
                print(f"| {task} | {window} | {len(prompts)} | {path} | {stats.passes} | {stats.tokens_fed} | "
                      f"{stats.attention_scores:.3e} | {stats.tree_scores:.3e} | "
                      f"{stats.attention_scores / stats.tree_scores:.2f} | {stats.max_pass_scores:.2e} |", flush=True)
            fed.append((task, window, len(prompts), counts[0].tokens_fed, counts[1].tokens_fed,
                        tree_tokens(tokenizer, requests), counts[1].passes))
    print("\n| task | window | n | tree tokens | packed fed | batched fed | batched / packed | batched passes |")
    print("|---|---|---|---|---|---|---|---|")
    for task, window, n, packed, batched, tree, passes in fed:
        print(f"| {task} | {window} | {n} | {tree} | {packed} | {batched} | {batched / packed:.3f} | {passes} |")


if __name__ == "__main__":
    main()
