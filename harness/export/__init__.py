"""Exports to other harnesses: our exact prompts as an lm-evaluation-harness task."""
