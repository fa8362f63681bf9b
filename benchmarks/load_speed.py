"""Loading a model folder: ercbench's loader vs transformers' own from_pretrained, each in a fresh process.

    python benchmarks/load_speed.py /tmp/ercbench-e2e-qwen2.5-0.5b                 # CPU, float32 (our default)
    python benchmarks/load_speed.py DIR --device cuda --dtype bfloat16 --repeats 2

Only the load itself is timed (imports are not): best of --repeats, the two alternating.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

THEIRS = """
import sys, time, torch
from transformers import AutoModelForCausalLM
folder, device, dtype = sys.argv[1:4]
start = time.perf_counter()
kwargs = {} if device == "cpu" else {"device_map": device}
model = AutoModelForCausalLM.from_pretrained(folder, dtype=getattr(torch, dtype), **kwargs)
if device != "cpu":
    torch.cuda.synchronize()
print(time.perf_counter() - start)
"""

OURS = """
import sys, time, torch
from transformers import AutoModelForCausalLM  # imported before the clock, as above
from harness.lm import loading
folder, device, dtype = sys.argv[1:4]
start = time.perf_counter()
model = loading.load_model(folder, getattr(torch, dtype), device=device)
if device != "cpu":
    torch.cuda.synchronize()
middle = time.perf_counter()
loading.load_tokenizer(folder)
print(middle - start, time.perf_counter() - middle)
"""


def once(code: str, args) -> list[float]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code, str(args.folder), args.device, args.dtype], env=env,
                          capture_output=True, text=True, check=True)
    return [float(value) for value in done.stdout.split()]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    theirs, ours, tokenizer = [], [], []
    for _ in range(args.repeats):
        theirs.append(once(THEIRS, args)[0])
        model_s, tokenizer_s = once(OURS, args)
        ours.append(model_s)
        tokenizer.append(tokenizer_s)
    found = {"from_pretrained_s": min(theirs), "ercbench_load_model_s": min(ours), "tokenizer_s": min(tokenizer),
             "ratio": min(ours) / min(theirs), "all": {"from_pretrained": theirs, "ercbench": ours}}
    print(json.dumps(found))


if __name__ == "__main__":
    main()
