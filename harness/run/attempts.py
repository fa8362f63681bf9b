"""attempt.json over processes and attempts: the plugins' latest settings beside all the model counted so far."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from harness.counters import Counters
from harness.errors import DataError
from harness.results.store import ATTEMPT_FILE, PartialRun
from harness.run import distributed, stages


def read_attempt(path: Path) -> dict[str, Any]:
    """An attempt.json's facts; {} when there is none (or none readable: it only completes a resume)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def counters_in(facts: Mapping[str, Any], path: Path, parts: stages.Components) -> Counters | None:
    """The counters an attempt.json recorded, typed as the model's; None: none recorded (an older
    ercbench kept its counts inside model_info)."""
    recorded, now = facts.get("counters"), parts.model.counters()
    if recorded is None or now is None:
        return None
    try:
        return type(now).from_json(recorded)
    except (TypeError, ValueError) as exc:
        raise DataError(path, f"unreadable counters ({exc}); delete the file to resume without them") from None


def counted_before(partial: PartialRun, parts: stages.Components) -> Counters | None:
    """What the model counted in the earlier attempts of a resumed run."""
    path = partial.folder / ATTEMPT_FILE
    return counters_in(read_attempt(path), path, parts)


def fold(partial: PartialRun, parts: stages.Components) -> None:
    """Rank 0's fold of the rank folders: first their attempt.json (each process's settings and its own
    counts) joined into the partial folder's, so the counts of a failed or killed attempt add up on
    resume, then their predictions."""
    paths = sorted(partial.folder.glob(f"{distributed.RANK_FOLDER}*/{ATTEMPT_FILE}"),
                   key=lambda path: (len(path.parent.name), path.parent.name))  # rank order: rank-2 before rank-10
    answered = [(facts, counters_in(facts, path, parts)) for path in paths if (facts := read_attempt(path))]
    if answered:  # the lowest rank's settings; every process's counts added to the earlier attempts'
        partial.record_attempt(stages.joined_facts(answered, counted_before(partial, parts)))
    distributed.fold_shards(partial.folder)
