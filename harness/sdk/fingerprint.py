"""Fingerprints of weight folders for a model's `fingerprint()`."""

from harness.plumbing.fingerprint import path_fingerprint

__all__ = ["path_fingerprint"]
