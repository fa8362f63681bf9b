"""The attention kernels our GPU passes take: flash or memory-efficient, never cuDNN's.

Profiled on an H200 (torch 2.11, a 7B shape, MELD's test split at window 5), every masked
attention call of a scoring pass went to cuDNN's kernel and spent 2.7 ms of CPU each (784 calls,
2.1 s; the kernels themselves ran 0.19 s), while the GPU waited for the next layer's work. The
memory-efficient kernel takes the same boolean masks and builds no per-shape plan; flash still
takes every unmasked pass. Measured since, with benchmarks/pass_sweep.py on the H200: one more pass
cost 80-100 ms with cuDNN's kernel (96 against 1024 tokens a pass: 49 more passes, 5.0 s at window
5; 72 more, 5.6 s with full history) and about 25 ms without it (128 against 1024 with full history:
55 more passes, 1.4 s).
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator


@contextlib.contextmanager
def inference(model: Any) -> Iterator[None]:
    """torch.inference_mode, and on a GPU scaled-dot-product attention without cuDNN's kernel."""
    import torch

    with torch.inference_mode():
        if next(model.parameters()).device.type != "cuda":
            yield
            return
        from torch.nn.attention import SDPBackend, sdpa_kernel

        with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]):
            yield
