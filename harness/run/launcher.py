"""Starting the processes of a data-parallel run on this machine, as torchrun/accelerate launch would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import Sequence

from harness.errors import ConfigError


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def launch(processes: int, args: Sequence[str], module: str = "harness.cli", poll_s: float = 0.2) -> int:
    """Run `python -m MODULE ARGS` as ranks 0..N-1 of one run on this machine; when one process
    fails the others are stopped. Returns the first non-zero exit status (0 when all succeed)."""
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
        return _wait_all(children, poll_s)
    except KeyboardInterrupt:
        # Ctrl-C reached every child too (same process group); let them write their message.
        for child in children:
            child.wait()
        return 130


def _wait_all(children: Sequence[subprocess.Popen], poll_s: float) -> int:
    status = 0
    while [child.poll() for child in children].count(None):  # poll every child: it sets returncode
        failed = [child.returncode for child in children if child.returncode not in (None, 0)]
        if failed and not status:
            status = failed[0]
            for child in children:
                if child.poll() is None:
                    child.terminate()
        time.sleep(poll_s)
    codes = [child.returncode for child in children]
    status = status or next((code for code in codes if code), 0)
    return 128 - status if status < 0 else status  # killed by signal N: the shell's 128 + N
