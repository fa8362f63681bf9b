"""Starting the processes of a data-parallel run: one failure stops the others and is named."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.run import launcher


def test_when_one_process_fails_the_others_are_stopped():
    children = [subprocess.Popen(["sleep", "60"]), subprocess.Popen([sys.executable, "-c", "raise SystemExit(4)"])]
    assert launcher._wait_all(children, poll_s=0.05) == (4, 1)
    assert children[0].returncode is not None


def test_a_process_killed_by_a_signal_is_blamed_before_a_peer_that_exited_on_seeing_it():
    children = [subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"]),
                subprocess.Popen([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"])]
    for child in children:
        child.wait()
    assert launcher._wait_all(children, poll_s=0.05) == (137, 1)


@pytest.mark.parametrize("code, text", [
    (-9, "process 1 of 2 was killed by SIGKILL (signal 9: killed, or out of memory)"),
    (-11, "process 1 of 2 was killed by SIGSEGV (signal 11)"),
    (3, "process 1 of 2 exited with status 3"),
])
def test_a_failure_names_the_process_and_its_signal_or_status(code, text):
    assert launcher.failure_text(1, 2, code) == text
