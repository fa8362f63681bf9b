"""Our model loads without transformers' "Loading weights" and hub progress bars; the user's setting is restored."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


@contextmanager
def no_load_bars() -> Iterator[None]:
    """Within this block transformers (and huggingface_hub) draw no progress bars; only around our own loads."""
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    if enabled:
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()
