"""A breakdown: the scorer's tokenisation (tails) against lm-eval's whole-string split, on full test splits.

    python benchmarks/tokenize_speed.py                     # MELD and EmoryNLP test, windows 5 and all
    python benchmarks/tokenize_speed.py --tokenizer PATH --tasks meld --windows 5

Both produce the same ids (checked here too); times are the best of --repeats, in process.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best_of(repeats: int, run) -> tuple[float, object]:
    times, found = [], None
    for _ in range(repeats):
        clock = time.perf_counter()
        found = run()
        times.append(time.perf_counter() - clock)
    return min(times), found


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokenizer", type=Path, default=ROOT.parent / "shared" / "tokenizers" / "qwen2.5")
    parser.add_argument("--data-dir", type=Path,
                        default=Path(os.environ.get("ERCBENCH_DATA", ROOT.parent / "shared" / "data")))
    parser.add_argument("--tasks", default="meld,emorynlp")
    parser.add_argument("--windows", default="5,all")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    from transformers import AutoTokenizer

    from harness.discovery import default_registry
    from harness.lm.tails import encode_requests_fast
    from harness.lm.tokens import encode_requests

    tokenizer = AutoTokenizer.from_pretrained(str(args.tokenizer))
    registry = default_registry()
    print(f"tokenizer {args.tokenizer.name}; TOKENIZERS_PARALLELISM={os.environ.get('TOKENIZERS_PARALLELISM', '')!r}")
    print("| task | window | prompts | whole-string split s | tails s | ratio |\n|---|---|---|---|---|---|")
    for task_name in args.tasks.split(","):
        task = registry.get("tasks", task_name).cls(data_dir=str(args.data_dir))
        examples = task.examples("test")
        for window in args.windows.split(","):
            prompts = registry.get("prompts", "zero-shot").cls(window=window).build(examples)
            requests = [(prompt.text, prompt.choices) for prompt in prompts]
            whole_s, whole = best_of(args.repeats, lambda: encode_requests(tokenizer, requests))
            tails_s, tails = best_of(args.repeats, lambda: encode_requests_fast(tokenizer, requests))
            assert tails == whole, "the tails differ from the whole-string split"
            print(f"| {task_name} | {window} | {len(requests)} | {whole_s:.2f} | {tails_s:.2f} | "
                  f"{whole_s / tails_s:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
