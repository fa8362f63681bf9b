"""What a run's answers depend on beyond its spec: data files' and weights' sha256 and the labels."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from harness.plumbing.fingerprint import CACHE_FILE, hash_cache, verifying
from harness.results.keys import run_inputs
from harness.run.stages import Components

#: A fingerprint found in the cache takes milliseconds; one still hashing after this is a first sight.
CACHED_FINGERPRINT_S = 0.25


class PendingInputs:
    """A run's inputs: known, or waiting for the weights' hashes of a checkpoint seen for the first
    time, which go on in a thread while the run loads the model and answers."""

    def __init__(self, inputs: Future):
        self.inputs = inputs

    @classmethod
    def known(cls, inputs: dict) -> PendingInputs:
        done: Future = Future()
        done.set_result(inputs)
        return cls(done)

    def ready(self) -> bool:
        return self.inputs.done()

    def wait(self) -> float:
        """Block until the hashing is done (an error in it is left for `get`); the seconds it took."""
        clock = time.perf_counter()
        self.inputs.exception()
        return time.perf_counter() - clock

    def get(self) -> dict:
        """The inputs, once the hashing is done (an error in it is raised here)."""
        return self.inputs.result()


def start_run_inputs(parts: Components, root: Path, verify: bool = False) -> PendingInputs:
    """Hash the data files now and the weights in a thread; a fingerprint the cache knows is ready at once."""
    parts.task.read_inputs()  # hash the train files too: prompts and models may read them later
    cache = None if read_only(root) else root / CACHE_FILE
    with hash_cache(cache), verifying(verify):
        task_info = parts.task.run_info()

    def inputs() -> dict:
        with hash_cache(cache), verifying(verify):
            return run_inputs(task_info, parts.task.labels, parts.model.fingerprint())

    found: Future = Future()

    def hash_weights() -> None:
        try:
            found.set_result(inputs())
        except BaseException as exc:  # raised to whoever asks for the inputs
            found.set_exception(exc)

    # A daemon thread: a run stopped with Ctrl-C exits at once, not after the hashing.
    threading.Thread(target=hash_weights, name="fingerprint", daemon=True).start()
    with contextlib.suppress(FutureTimeout):
        found.result(timeout=CACHED_FINGERPRINT_S)  # a cache lookup: ready before anyone asks
    return PendingInputs(found)


def read_only(root: Path) -> bool:
    return root.is_dir() and not os.access(root, os.W_OK | os.X_OK)
