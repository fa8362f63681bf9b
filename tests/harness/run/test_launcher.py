"""Starting the processes of a data-parallel run: one failure stops the others."""

from __future__ import annotations

import subprocess
import sys

from harness.run import launcher


def test_when_one_process_fails_the_others_are_stopped():
    children = [subprocess.Popen(["sleep", "60"]), subprocess.Popen([sys.executable, "-c", "raise SystemExit(4)"])]
    assert launcher._wait_all(children, poll_s=0.05) == 4
    assert children[0].returncode is not None
