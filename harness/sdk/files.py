"""Writing files a reader may open at any moment: atomically, never half-written."""

from harness.plumbing.atomic import WriteError, atomic_file, write_json_atomic

__all__ = ["WriteError", "atomic_file", "write_json_atomic"]
