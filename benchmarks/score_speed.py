"""Label-scoring speed: ours vs lm-evaluation-harness's hf backend vs the naive loop, same model, same numbers.

Run from the repository root:
    python benchmarks/score_speed.py --limit 60
    python benchmarks/score_speed.py --device cuda --dtype bfloat16 --size 1b --limit 400
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from benchmarks.speed_parts import (  # noqa: E402
    SIZES,
    build_model,
    build_tokenizers,
    help_time,
    label_token_counts,
    matmul_peak,
    meld_task,
    overhead_per_example,
    packed_flops,
    zero_shot_requests,
)


@dataclass
class Row:
    """One (tokenizer, window) configuration's measurements."""

    tokenizer: str
    window: int
    n: int
    label_tokens: str
    prompt_tokens: float
    speeds: dict[str, float] = field(default_factory=dict)  # method -> examples/s
    diffs: dict[str, float] = field(default_factory=dict)  # "a-b" -> max |log-prob difference|
    gflops: float = 0.0


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def lm_eval_scores(lm, requests):
    """lm-evaluation-harness's loglikelihood over every (context, choice) pair, regrouped per request."""
    from lm_eval.api.instance import Instance

    instances = [
        Instance(request_type="loglikelihood", doc={}, arguments=(context, choice), idx=i)
        for context, choices in requests
        for i, choice in enumerate(choices)
    ]
    values = iter(value for value, _ in lm.loglikelihood(instances, disable_tqdm=True))
    return [{choice: next(values) for choice in choices} for _, choices in requests]


def max_diff(a: dict[int, dict], b: dict[int, dict]) -> float:
    """Largest |log-prob difference| over the examples both methods scored."""
    return max(abs(a[i][choice] - b[i][choice]) for i in a.keys() & b.keys() for choice in a[i])


def chunks(items, parts: int):
    size = -(-len(items) // parts)
    return [items[i : i + size] for i in range(0, len(items), size)]


def measure(model, tokenizer, name, requests, args) -> Row:
    """Time the three scorers in alternating rounds, so a busy machine slows them alike."""
    from lm_eval.models.huggingface import HFLM

    from plugins.models.scoring import encode_requests, score_choices, score_choices_naive

    encoded = encode_requests(tokenizer, requests)
    row = Row(name, args.window_now, len(requests), label_token_counts(encoded[0]),
              sum(len(e.context) for e in encoded) / len(encoded))
    lm = HFLM(pretrained=model, tokenizer=tokenizer, batch_size=args.lm_eval_batch_size, device=args.device)
    methods = {
        "ours": lambda batch: score_choices(model, tokenizer, batch, max_tokens=args.max_tokens),
        "lm-eval": lambda batch: lm_eval_scores(lm, batch),
        "naive": lambda batch: score_choices_naive(model, tokenizer, batch),
    }
    seconds = dict.fromkeys(methods, 0.0)
    scores: dict[str, dict[int, dict]] = {method: {} for method in methods}
    naive_share = max(1, args.naive_limit // args.rounds)
    for batch in chunks(list(enumerate(requests)), args.rounds):
        for method, function in methods.items():
            todo = batch[:naive_share] if method == "naive" else batch
            spent, result = timed(function, [request for _, request in todo])
            seconds[method] += spent
            scores[method].update(zip((index for index, _ in todo), result))
    row.speeds = {method: len(scores[method]) / seconds[method] for method in methods}
    row.gflops = packed_flops(model, encoded, args.max_tokens) / seconds["ours"] / 1e9
    row.diffs = {
        f"{a}-{b}": max_diff(scores[a], scores[b]) for a, b in [("ours", "lm-eval"), ("ours", "naive"), ("lm-eval", "naive")]
    }
    return row


def warm_up(model, tokenizer, requests, args) -> None:
    """One small call first, so no method pays for first-call allocations."""
    from plugins.models.scoring import score_choices

    score_choices(model, tokenizer, requests[:2], max_tokens=args.max_tokens)


def print_table(rows, peak, args, overhead, help_seconds) -> None:
    print(f"\nmodel: random LLaMA size={args.size} {SIZES[args.size]}, device={args.device}, dtype={args.dtype}")
    print(f"lm-eval batch_size={args.lm_eval_batch_size}; ours max_tokens={args.max_tokens or 'auto'}; "
          f"naive on the first {max(1, args.naive_limit // args.rounds)} examples of each of {args.rounds} alternating rounds\n")
    print("| tokenizer | window | n | tokens/label | prompt tokens | ours ex/s | lm-eval ex/s | naive ex/s "
          "| ours/lm-eval | ours/naive | max diff ours-lm-eval | ours-naive | lm-eval-naive | ours GFLOP/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        s, d = r.speeds, r.diffs
        print(f"| {r.tokenizer} | {r.window} | {r.n} | {r.label_tokens} | {r.prompt_tokens:.0f} | {s['ours']:.2f} "
              f"| {s['lm-eval']:.2f} | {s['naive']:.2f} | {s['ours'] / s['lm-eval']:.2f}x | "
              f"{s['ours'] / s['naive']:.2f}x | {d['ours-lm-eval']:.1e} | {d['ours-naive']:.1e} | "
              f"{d['lm-eval-naive']:.1e} | {r.gflops:.1f} |")
    print(f"\nmatmul peak ({args.dtype}, {args.device}): {peak:.1f} GFLOP/s; ours reaches "
          + ", ".join(f"{r.gflops / peak:.0%}" for r in rows))
    ours_ms = 1000 / rows[0].speeds["ours"]
    print(f"harness overhead with a zero-cost model: {overhead * 1000:.3f} ms/example "
          f"= {overhead * 1000 / ours_ms:.2%} of ours' model time ({ours_ms:.1f} ms/example, first row)")
    if help_seconds is None:
        print("ercbench --help: console script not found")
    else:
        print(f"ercbench --help: {help_seconds * 1000:.0f} ms beyond python start-up")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=60, help="MELD test examples per configuration")
    parser.add_argument("--naive-limit", type=int, default=15, help="examples for the (slow) naive loop")
    parser.add_argument("--windows", default="5,12")
    parser.add_argument("--tokenizers", default="meld-bpe32k,small")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    parser.add_argument("--size", default="small", choices=sorted(SIZES))
    parser.add_argument("--lm-eval-batch-size", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=None, help="our tokens per forward (default: auto)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3, help="alternate the methods over this many chunks")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("ERCBENCH_DATA", ROOT.parent / "shared" / "data")))
    return parser.parse_args(argv)


def main(argv=None) -> None:
    import torch

    args = parse_args(argv)
    print(f"load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.threads:
        torch.set_num_threads(args.threads)
    task = meld_task(args.data_dir)
    tokenizers = build_tokenizers(task, args.tokenizers.split(","))
    model = build_model(args.size, args.device, args.dtype, tokenizers)
    rows = []
    for name, tokenizer in tokenizers.items():
        for window in map(int, args.windows.split(",")):
            args.window_now = window
            requests = zero_shot_requests(task, window, args.limit)
            warm_up(model, tokenizer, requests, args)
            rows.append(measure(model, tokenizer, name, requests, args))
            print(rows[-1], flush=True)
    peak = matmul_peak(args.device, args.dtype)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        overhead = overhead_per_example(args.data_dir, Path(folder))
    print_table(rows, peak, args, overhead, help_time())


if __name__ == "__main__":
    main()
