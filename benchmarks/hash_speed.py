"""Breakdown: how fast this machine reads and hashes a checkpoint's files (what a first sight costs).

    python benchmarks/hash_speed.py /tmp/ercbench-e2e-qwen2.5-7b

Per file and over the folder: reading alone (16 MB blocks, nothing hashed), sha256 of the bytes already
in memory (one block, repeated), and ercbench's own fingerprint (every file, in threads, no cache), in GB/s.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def read_only(path: Path, block: int) -> float:
    buffer = bytearray(block)
    start = time.perf_counter()
    with open(path, "rb", buffering=0) as handle:
        while handle.readinto(buffer):
            pass
    return time.perf_counter() - start


def sha256_in_memory(size: int, block: int) -> float:
    data, digest = os.urandom(block), hashlib.sha256()
    start = time.perf_counter()
    for _ in range(max(1, size // block)):
        digest.update(data)
    return time.perf_counter() - start


def main(argv=None) -> None:
    from harness.plumbing import fingerprint
    from harness.plumbing.hashing import BLOCK

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    files = sorted(p for p in args.folder.iterdir() if p.suffix == ".safetensors")
    total = sum(p.stat().st_size for p in files)
    first = files[0].stat().st_size
    print(f"{len(files)} files, {total / 1e9:.1f} GB; cpu count {os.cpu_count()}")
    print(f"read one file ({first / 1e9:.1f} GB), 16 MB blocks: {first / 1e9 / read_only(files[0], BLOCK):.2f} GB/s")
    print(f"sha256 in memory, one thread: {first / 1e9 / sha256_in_memory(first, BLOCK):.2f} GB/s")
    os.environ[fingerprint.CACHE_ENV] = str(Path(tempfile.mkdtemp()) / "fp.json")  # a first sight
    start = time.perf_counter()
    with fingerprint.verifying():
        fingerprint.files_sha256(files)
    seconds = time.perf_counter() - start
    print(f"ercbench fingerprint, every file in threads: {seconds:.1f} s, {total / 1e9 / seconds:.2f} GB/s")


if __name__ == "__main__":
    main()
