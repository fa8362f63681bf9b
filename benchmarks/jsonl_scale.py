"""JSONL task scale: seconds and peak memory to load the test split of 10k/100k/1M-line files, vs json.loads.

Usage: python benchmarks/jsonl_scale.py [--sizes 10000,100000,1000000]

Each measurement runs in a fresh interpreter; memory is the peak resident size (ru_maxrss) minus the
resident size after imports, so it counts what loading added. Files are generated in a temp folder
(80 % train, 10 % dev, 10 % test, ~110 bytes a line). `ercbench` = the jsonl task with labels inferred
from train, then every test example built; baseline = read the whole file, json.loads every line,
infer the labels from the rows (what a non-streaming reader does at least).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

LABELS = ("anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise")

MEASURE = r"""
import json, resource, sys, time
def rss_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024
mode, path = sys.argv[1], sys.argv[2]
from plugins.datasets.jsonl_task import JsonlTask
before = rss_kb()
start = time.perf_counter()
if mode == "ercbench":
    task = JsonlTask(path=path)
    n = len(task.examples("test")); labels = task.labels
else:
    text = open(path, encoding="utf-8").read()
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    labels = sorted({r["label"] for r in rows if r["split"] == "train"})
    n = sum(r["split"] == "test" for r in rows)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": (peak - before) / 1024, "n": n, "labels": len(labels)}))
"""


def generate(path: Path, lines: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for i in range(lines):
            split = "train" if i % 10 < 8 else ("dev" if i % 10 == 8 else "test")
            row = {"split": split, "dialogue_id": f"d{i // 12}", "utt_index": i % 12, "speaker": f"S{i % 3}",
                   "text": f"this is utterance {i}, said with some feeling", "label": LABELS[i % 7]}
            out.write(json.dumps(row) + "\n")


def measure(mode: str, path: Path) -> dict:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", MEASURE, mode, str(path)], capture_output=True, text=True,
                          cwd=root, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    print("| lines | file MB | ercbench s | ercbench peak MB | json.loads s | json.loads peak MB |")
    print("|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path = Path(folder) / f"{size}.jsonl"
            generate(path, size)
            ours, base = measure("ercbench", path), measure("baseline", path)
            assert ours["n"] == base["n"] and ours["labels"] == base["labels"]
            print(f"| {size:,} | {path.stat().st_size / 2**20:.0f} | {ours['seconds']:.2f} | {ours['peak_mb']:.0f}"
                  f" | {base['seconds']:.2f} | {base['peak_mb']:.0f} |", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
