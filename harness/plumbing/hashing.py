"""Content hashes of files, read in blocks so a large weight file never sits in memory whole."""

from __future__ import annotations

import hashlib
from pathlib import Path

#: Bytes read per call: large, so a 15 GB checkpoint takes a thousand reads, not fifteen thousand
#: (each read and each hash update hands the interpreter lock back and forth with the thread that
#: runs the model), and small enough that several files hashed side by side stay under 100 MB.
BLOCK = 16 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    block = bytearray(BLOCK)
    view = memoryview(block)
    with open(path, "rb", buffering=0) as handle:
        while count := handle.readinto(block):
            digest.update(view[:count])
    return digest.hexdigest()
