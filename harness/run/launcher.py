"""Starting the processes of a data-parallel run on this machine, as torchrun/accelerate launch would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Callable, Sequence

from harness.errors import ConfigError


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def launch(processes: int, args: Sequence[str], module: str = "harness.cli", poll_s: float = 0.2,
           kept: Callable[[], str] | None = None) -> int:
    """Run `python -m MODULE ARGS` as ranks 0..N-1 of one run on this machine; when one process
    fails the others are stopped, and one line names it, with `kept()` (what was kept, how to go
    on). Returns the first non-zero exit status (0 when all succeed)."""
    if processes < 1:
        raise ConfigError(f"--processes must be at least 1, got {processes}")
    port = str(free_port())
    threads = str(max(1, (os.cpu_count() or 1) // processes))  # no oversubscribed CPU cores
    children = []
    for rank in range(processes):
        env = {**os.environ, "RANK": str(rank), "WORLD_SIZE": str(processes), "LOCAL_RANK": str(rank),
               "LOCAL_WORLD_SIZE": str(processes), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port}
        env.setdefault("OMP_NUM_THREADS", threads)
        children.append(subprocess.Popen([sys.executable, "-m", module, *args], env=env))
    try:
        status, failed = _wait_all(children, poll_s)
    except KeyboardInterrupt:
        # Ctrl-C reached every child too (same process group); let them write their message.
        for child in children:
            child.wait()
        return 130
    if failed is not None:
        sys.stderr.write(f"Error: {failure_text(failed, processes, children[failed].returncode)}"
                         f"{'; ' + kept() if kept else ''}\n")
    return status


def failure_text(rank: int, processes: int, code: int) -> str:
    """'process 1 of 2 was killed by SIGKILL (signal 9: killed, or out of memory)' or '... exited with status 1'."""
    if code >= 0:
        return f"process {rank} of {processes} exited with status {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = "a signal"
    why = ": killed, or out of memory" if -code == signal.SIGKILL else ""
    return f"process {rank} of {processes} was killed by {name} (signal {-code}{why})"


def _wait_all(children: Sequence[subprocess.Popen], poll_s: float) -> tuple[int, int | None]:
    """Wait for every child, stopping the others at the first failure: (exit status, failed rank or None)."""
    first: int | None = None
    while [child.poll() for child in children].count(None):  # poll every child: it sets returncode
        if first is None:
            first = _failed(children)
            for child in children if first is not None else ():
                if child.poll() is None:
                    child.terminate()
        time.sleep(poll_s)
    first = _failed(children) if first is None else first
    if first is None:
        return 0, None
    status = children[first].returncode
    return (128 - status if status < 0 else status), first  # killed by signal N: the shell's 128 + N


def _failed(children: Sequence[subprocess.Popen]) -> int | None:
    """The rank that failed, if any; a peer that saw the death exits too, so a signal is blamed first."""
    failed = [rank for rank, child in enumerate(children) if child.returncode not in (None, 0)]
    return min(failed, key=lambda rank: (children[rank].returncode > 0, rank)) if failed else None
