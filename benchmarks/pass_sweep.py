"""Breakdown: the batched scorer's pass shaping on a GPU, in-process (model in memory, load excluded).

For each PASS_TOKENS:GPU_TOKEN_BUDGET[:FED_LIMIT] setting it runs `ercbench run`'s pipeline on the same
model and prints model seconds, passes and tokens fed, so the defaults can be chosen from measurements
(FED_LIMIT inf: every wave cut at PASS_TOKENS a pass, whatever the padding):

    python benchmarks/pass_sweep.py --device cuda --shape qwen2.5-7b --tokenizer ../shared/tokenizers/qwen2.5 \
        --settings 1024:32768:inf,1024:32768
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.score_speed import load_tokenizer, ours, parse_args  # noqa: E402
from benchmarks.speed_parts import build_model  # noqa: E402


def sweep(argv=None) -> None:
    from harness.lm import streams, waves

    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--settings", default="1024:32768:inf,1024:32768,256:32768:inf",
                       help="PASS_TOKENS:GPU_TOKEN_BUDGET[:FED_LIMIT], comma-separated")
    mine, rest = extra.parse_known_args(argv)
    args = parse_args(rest)
    args.dtype_now = args.dtype
    tokenizer = load_tokenizer(args)
    default_limit = waves.FED_LIMIT
    model = build_model(args.shape, args.device, args.dtype, {"t": tokenizer})
    for task in args.tasks.split(","):
        for window in args.windows.split(","):
            options = argparse.Namespace(**{**vars(args), "limit": 8})
            ours(model, tokenizer, task, window, options, Path(tempfile.mkdtemp()))
            for setting in mine.settings.split(","):
                pass_tokens, budget, *fed_limit = setting.split(":")
                streams.PASS_TOKENS, waves.GPU_TOKEN_BUDGET = int(pass_tokens), int(budget)
                waves.FED_LIMIT = float(fed_limit[0]) if fed_limit else default_limit
                run = ours(model, tokenizer, task, window, args, Path(tempfile.mkdtemp()))
                print(json.dumps({"task": task, "window": window, "setting": setting,
                                  "model_s": run["timing"]["model_s"], "compute": run["compute"]}), flush=True)


if __name__ == "__main__":
    sweep()
