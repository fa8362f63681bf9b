"""The processes of one run: their World with the collectives they share (join, gather, together, first)."""

from harness.run.collective import World

__all__ = ["World"]
