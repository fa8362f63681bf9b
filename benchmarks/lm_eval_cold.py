"""lm-eval's hf backend from a cold start on a model folder: the prompts of an `ercbench export lm-eval` JSONL.

Run by benchmarks/e2e_speed.py as a subprocess timed from start to exit; prints one JSON line:
    python benchmarks/lm_eval_cold.py --model DIR --jsonl EXPORT.jsonl --mode score --device cpu --dtype float32
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def requests(rows: list[dict], mode: str, max_new_tokens: int) -> list:
    from lm_eval.api.instance import Instance

    if mode == "generate":
        until = {"until": ["\n"], "max_gen_toks": max_new_tokens, "do_sample": False}
        return [Instance(request_type="generate_until", doc={}, arguments=(row["text"], until), idx=0) for row in rows]
    return [Instance(request_type="loglikelihood", doc={}, arguments=(row["text"], choice), idx=i)
            for row in rows for i, choice in enumerate(row["choices"])]


def tokens_fed(lm, rows: list[dict]) -> int:
    """Real tokens through the model: lm-eval computes a context once when every continuation is one token
    (its group-by-context path), else one row per (context, choice); padding not counted."""
    total = 0
    for row in rows:
        context = lm.tok_encode(row["text"])
        lengths = [len(lm.tok_encode(row["text"] + choice)) - len(context) for choice in row["choices"]]
        total += len(context) if max(lengths) == 1 else sum(len(context) + n - 1 for n in lengths)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--jsonl", required=True, type=Path)
    parser.add_argument("--mode", choices=("score", "generate"), default="score")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-new-tokens", type=int, default=10)
    parser.add_argument("--out", type=Path, help="write each example's answer here (JSON)")
    args = parser.parse_args()
    clock = time.perf_counter()
    from lm_eval.models.huggingface import HFLM

    lm = HFLM(pretrained=args.model, device=args.device, dtype=args.dtype, batch_size=args.batch_size)
    loaded = time.perf_counter()
    rows = [json.loads(line) for line in args.jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
    wanted = requests(rows, args.mode, args.max_new_tokens)
    start = time.perf_counter()
    if args.mode == "generate":
        answers = lm.generate_until(wanted, disable_tqdm=True)
    else:
        answers = [value for value, _ in lm.loglikelihood(wanted, disable_tqdm=True)]
    seconds = time.perf_counter() - start
    if args.out:
        if args.mode == "score":
            values = iter(answers)
            answers = [{label: next(values) for label in row["choice_labels"]} for row in rows]
        args.out.write_text(json.dumps(dict(zip((row["id"] for row in rows), answers))))
    print(json.dumps({"import_load_s": round(loaded - clock, 3), "model_s": round(seconds, 3), "n": len(rows),
                      "tokens_fed": tokens_fed(lm, rows) if args.mode == "score" else None}))


if __name__ == "__main__":
    main()
