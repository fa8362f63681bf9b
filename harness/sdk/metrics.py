"""The scores every run reports, for a plugin that scores on its own (e.g. a trainer's dev set)."""

from harness.metrics import accuracy, macro_f1, score_predictions, weighted_f1

__all__ = ["accuracy", "macro_f1", "score_predictions", "weighted_f1"]
