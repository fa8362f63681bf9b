"""A Ctrl-C in the middle of a run: the model's second batch raises KeyboardInterrupt, the first is kept."""

from __future__ import annotations

from typing import Any, Callable


def interrupt_second_batch(patcher: Any, cls: type) -> Callable:
    """Patch `cls.predict` (through a monkeypatch-like `patcher`) so its second call is a Ctrl-C;
    returns the real predict."""
    real, calls = cls.predict, {"n": 0}

    def flaky(self, prompts):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(self, prompts)

    patcher.setattr(cls, "predict", flaky)
    return real
