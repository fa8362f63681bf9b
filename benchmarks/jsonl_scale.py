"""JSONL task scale: seconds and peak memory to load the test and train splits of big files, vs json.loads.

Usage: python benchmarks/jsonl_scale.py [--sizes 10000,100000,1000000 | --mb 100,1024] [--baseline-max-mb 200]

Each measurement runs in a fresh interpreter; `peak` is the peak resident size (ru_maxrss), `added` that
minus the resident size after imports, so it counts what loading added. Files are generated in a temp
folder (80 % train, 10 % dev, 10 % test, ~150 bytes a line). `test` / `train` = the jsonl task with labels
inferred from train, then every example of that split built (a model fitted on train, such as
`majority`, loads the train split too); baseline = read the whole file, json.loads every line, infer
the labels from the rows (what a non-streaming reader does at least), above --baseline-max-mb skipped.
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
if mode in ("test", "train"):
    task = JsonlTask(path=path)
    n = len(task.examples(mode)); labels = task.labels
else:
    text = open(path, encoding="utf-8").read()
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    labels = sorted({r["label"] for r in rows if r["split"] == "train"})
    n = sum(r["split"] == "test" for r in rows)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "added_mb": (peak - before) / 1024, "peak_mb": peak / 1024, "n": n,
                  "labels": len(labels)}))
"""


def generate(path: Path, lines: int | None = None, megabytes: float | None = None) -> None:
    """`lines` lines, or lines until the file holds `megabytes` MB."""
    with open(path, "w", encoding="utf-8") as out:
        i, size = 0, 0
        while (i < lines) if lines is not None else (size < (megabytes or 0) * 2**20):
            split = "train" if i % 10 < 8 else ("dev" if i % 10 == 8 else "test")
            row = {"split": split, "dialogue_id": f"d{i // 12}", "utt_index": i % 12, "speaker": f"S{i % 3}",
                   "text": f"this is utterance {i}, said with some feeling", "label": LABELS[i % 7]}
            size += out.write(json.dumps(row) + "\n")
            i += 1


def measure(mode: str, path: Path) -> dict:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", MEASURE, mode, str(path)], capture_output=True, text=True,
                          cwd=root, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="lines per file")
    parser.add_argument("--mb", help="file sizes in MB instead of --sizes")
    parser.add_argument("--baseline-max-mb", type=float, default=200.0)
    args = parser.parse_args()
    files = [(None, float(mb)) for mb in args.mb.split(",")] if args.mb else \
        [(int(size), None) for size in args.sizes.split(",")]
    print("| lines | file MB | split | n | ercbench s | added MB | peak RSS MB | json.loads s "
          "| json.loads peak RSS MB |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for lines, megabytes in files:
            path = Path(folder) / "data.jsonl"
            generate(path, lines, megabytes)
            size = path.stat().st_size / 2**20
            count = sum(1 for _ in open(path, "rb"))
            base = measure("baseline", path) if size <= args.baseline_max_mb else None
            for split in ("test", "train"):
                ours = measure(split, path)
                assert base is None or (
                    ours["labels"] == base["labels"] and (split != "test" or ours["n"] == base["n"]))
                baseline = f"{base['seconds']:.2f} | {base['peak_mb']:.0f}" if base else "- | -"
                print(f"| {count:,} | {size:.0f} | {split} | {ours['n']:,} | {ours['seconds']:.2f} | "
                      f"{ours['added_mb']:.0f} | {ours['peak_mb']:.0f} | {baseline} |", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
