"""EmoryNLP file formats: the official season JSON and the MELD repository's multimodal-subset CSV."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Sequence

from harness.errors import DataError
from harness.sdk import Dialogue, Utterance
from plugins.datasets.common import line_of
from plugins.datasets.csv_format import csv_int, read_csv_rows

CSV_COLUMNS = ("Utterance", "Speaker", "Emotion", "Scene_ID", "Utterance_ID", "Season", "Episode")
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'" + r'|"((?:[^"\\]|\\.)*)"')
_SEPARATORS = re.compile(r"[\s,]*")


def _need(path: Path, text: str, value: Any, kind: type, what: str, near: str | None) -> Any:
    if not isinstance(value, kind) or isinstance(value, bool):
        line = line_of(text, f'"{near}"') if near else None
        got = "nothing (missing or null)" if value is None else type(value).__name__
        raise DataError(path, f"{what} must be a {kind.__name__}, got {got}", line)
    return value


def _utterance(path: Path, text: str, index: int, raw: Any, labels: Sequence[str], near: str) -> Utterance:
    raw = _need(path, text, raw, dict, f"utterance {index} of scene {near}", near)
    uid = raw.get("utterance_id")
    where = uid if isinstance(uid, str) else near
    speakers = _need(path, text, raw.get("speakers"), list, f"speakers of {where}", where)
    if not all(isinstance(s, str) for s in speakers):
        raise DataError(path, f"speakers of {where} must be strings", line_of(text, f'"{where}"'))
    transcript = _need(path, text, raw.get("transcript"), str, f"transcript of {where}", where)
    emotion = raw.get("emotion")
    if emotion not in labels:
        raise DataError(
            path, f"unknown label {emotion!r} in {where} (expected one of {', '.join(labels)})",
            line_of(text, f'"{where}"'),
        )
    # All speakers are kept: a line spoken together is attributed to everyone who said it.
    return Utterance(index, ", ".join(speakers), transcript, emotion)


def _scene(path: Path, text: str, raw: Any, split: str, labels: Sequence[str], near: str) -> Dialogue:
    raw = _need(path, text, raw, dict, f"a scene of episode {near}", near)
    scene_id = _need(path, text, raw.get("scene_id"), str, f"scene_id in episode {near}", near)
    utterances = _need(path, text, raw.get("utterances"), list, f"utterances of {scene_id}", scene_id)
    if not utterances:
        raise DataError(path, f"empty dialogue: scene {scene_id} has no utterances", line_of(text, f'"{scene_id}"'))
    return Dialogue(
        scene_id, split, tuple(_utterance(path, text, i, u, labels, scene_id) for i, u in enumerate(utterances))
    )


def parse_official_json(path: Path, text: str, split: str, labels: Sequence[str]) -> list[Dialogue]:
    """seasons -> episodes -> scenes -> utterances; one dialogue per scene, utterances numbered from 0."""
    if not text.strip():
        raise DataError(path, "the file is empty; restore it, e.g. with `ercbench data fetch emorynlp`")
    try:
        season = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not valid JSON: {exc.msg}", exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise DataError(path, f"not valid JSON: {type(exc).__name__}") from None
    season = _need(path, text, season, dict, "the top level", None)
    episodes = _need(path, text, season.get("episodes"), list, "episodes", None)
    dialogues: list[Dialogue] = []
    for episode in episodes:
        episode = _need(path, text, episode, dict, "an episode", None)
        episode_id = _need(path, text, episode.get("episode_id"), str, "episode_id", None)
        scenes = _need(path, text, episode.get("scenes"), list, f"scenes of {episode_id}", episode_id)
        dialogues.extend(_scene(path, text, scene, split, labels, episode_id) for scene in scenes)
    if not dialogues:
        raise DataError(path, "no scenes in file")
    return dialogues


def parse_speakers(path: Path, line: int, value: str) -> str:
    """"['Rachel Green', 'Ross Geller']" -> 'Rachel Green, Ross Geller' (no eval of file content)."""
    value = value.strip()
    inner = value[1:-1]
    # Checked in two linear steps (no backtracking regex): quoted names, then only commas between them.
    if not (value.startswith("[") and value.endswith("]") and len(value) >= 2) or not _SEPARATORS.fullmatch(
        _QUOTED.sub("", inner)
    ):
        raise DataError(path, f"Speaker is not a list of quoted names: {value[:60]!r}", line)
    return ", ".join(single or double for single, double in _QUOTED.findall(inner))


def parse_subset_csv(path: Path, text: str, split: str, labels: Sequence[str]) -> list[Dialogue]:
    """One dialogue per (Season, Episode, Scene_ID), named like the official ids (s01_e15_c01)."""
    grouped: dict[str, list[Utterance]] = {}
    for line, row in read_csv_rows(path, text, CSV_COLUMNS):
        label = row["Emotion"].strip()
        if label not in labels:
            raise DataError(path, f"unknown label {label!r} (expected one of {', '.join(labels)})", line)
        season, episode, scene = (csv_int(path, line, c, row[c]) for c in ("Season", "Episode", "Scene_ID"))
        index = csv_int(path, line, "Utterance_ID", row["Utterance_ID"])
        speaker = parse_speakers(path, line, row["Speaker"])
        key = f"s{season:02d}_e{episode:02d}_c{scene:02d}"
        grouped.setdefault(key, []).append(Utterance(index, speaker, row["Utterance"], label))
    if not grouped:
        raise DataError(path, "no rows in file")
    return [
        Dialogue(key, split, tuple(sorted(utterances, key=lambda u: u.index)))
        for key, utterances in grouped.items()
    ]
