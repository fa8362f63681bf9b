"""How zero-shot and k-shot take part in few-shot sweeps: k=0 is zero-shot, k>0 is k-shot with option k."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from harness.errors import ConfigError
from harness.sdk import Shots

if TYPE_CHECKING:  # k_shot imports this module
    from plugins.prompts.k_shot import KShot

ZERO_SHOT = "zero-shot"
K_SHOT = "k-shot"
# Options only k-shot understands (zero-shot must not receive them); k is the swept one.
K_SHOT_OPTIONS = ("k", "selection", "encoder")


def shared_options(options: Mapping[str, str]) -> dict[str, str]:
    return {key: value for key, value in options.items() if key not in K_SHOT_OPTIONS}


def variant(k: int, options: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """zero-shot for k=0; k-shot with option k otherwise; every other option kept."""
    if k == 0:
        return ZERO_SHOT, shared_options(options)
    chosen = {key: value for key, value in options.items() if key in K_SHOT_OPTIONS and key != "k"}
    return K_SHOT, {**shared_options(options), **chosen, "k": str(k)}


def k_shot_setting(options_cls: type[KShot.Options], options: Mapping[str, str]) -> Shots | None:
    """k and the column ('k=3', or 'k=3 balanced' when the selection is not random) of a k-shot run."""
    try:
        parsed = options_cls.parse(options)
    except ConfigError:  # a run recorded with options this version no longer reads
        return None
    column = f"k={parsed.k}" if parsed.k == 0 or parsed.selection == "random" else f"k={parsed.k} {parsed.selection}"
    return Shots(parsed.k, column, shared_options(options))
