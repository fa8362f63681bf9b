"""The official IEMOCAP release folder: Session1..5/dialog/{transcriptions,EmoEvaluation}/<dialogue>.txt."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Collection

from harness.errors import DataError
from harness.sdk import Dialogue, Utterance
from harness.sdk.data import FileLedger

SESSIONS = tuple(f"Session{n}" for n in range(1, 6))
# `Ses01F_impro01_F000 [006.2901-008.2357]: Excuse me.`
_TRANSCRIPT = re.compile(r"^(Ses\w+?_([FM])(XX)?\d+[A-Za-z]?)\s*\[[^\]]*\]:\s?(.*)$")
# `[6.2901 - 8.2357]<TAB>Ses01F_impro01_F000<TAB>neu<TAB>[2.5000, 2.5000, 2.5000]`
_SPAN = re.compile(r"\[\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*\]")
_EVALUATION = re.compile(r"^\[[^\]]*\]\s+(Ses\w+)\s+(\w+)\s+\[")

# The 12 Sessions 1-4 dialogues that the standard split (DialogueRNN, COSMIC) holds out as dev.
DEV_DIALOGUES = frozenset(
    {
        "Ses01M_impro01", "Ses01M_script03_1", "Ses02F_impro02", "Ses02F_impro07",
        "Ses02M_script01_2", "Ses03F_impro01", "Ses03M_impro02", "Ses03M_impro08a",
        "Ses03M_script02_2", "Ses03M_script03_2", "Ses04F_impro07", "Ses04F_script02_1",
    }
)


@dataclass(frozen=True)
class Turn:
    utterance_id: str
    speaker: str
    text: str
    line: int
    #: the turn's [start, end] seconds in its dialogue's video
    span: tuple[float, float] | None = None


def split_of(dialogue_id: str) -> str:
    """Session 5 is test; of Sessions 1-4, the 12 standard dev dialogues are dev, the rest train."""
    if dialogue_id.startswith("Ses05"):
        return "test"
    return "dev" if dialogue_id in DEV_DIALOGUES else "train"


def parse_transcription(path: Path, text: str) -> list[Turn]:
    """Scored turns in file order; overlapping-speech turns (`_FXX0`, `_MXX0`) carry no label and are skipped."""
    turns = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _TRANSCRIPT.match(line.strip())
        if match is None:
            raise DataError(
                path, f"not a transcription line (`<utterance id> [start-end]: text`): {line[:60]!r}", number
            )
        utterance_id, speaker, overlap, words = match.groups()
        if not overlap:
            times = _SPAN.search(line)
            span = (float(times.group(1)), float(times.group(2))) if times else None
            turns.append(Turn(utterance_id, speaker, words.strip(), number, span))
    return turns


def parse_evaluation(path: Path, text: str) -> dict[str, str]:
    """utterance id -> categorical label, from the `[start - end] id label [v, a, d]` summary lines."""
    labels: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("["):
            continue  # the % header, the C-E*/A-E* annotator lines and blank lines
        match = _EVALUATION.match(line)
        if match is None:
            raise DataError(path, f"not an evaluation summary line: {line[:60]!r}", number)
        utterance_id, label = match.groups()
        if utterance_id in labels:
            raise DataError(path, f"utterance {utterance_id} is evaluated twice", number)
        labels[utterance_id] = label
    return labels


def build_dialogue(
    dialogue_id: str,
    transcription: tuple[Path, list[Turn]],
    evaluation: dict[str, str],
    keep: Collection[str],
    clean: Callable[[str], str],
) -> Dialogue | None:
    """Turns whose label is in `keep`, renumbered from 0; None when no turn is kept."""
    path, turns = transcription
    kept: list[Utterance] = []
    for turn in turns:
        if turn.utterance_id not in evaluation:
            raise DataError(path, f"utterance {turn.utterance_id} has no line in its EmoEvaluation file", turn.line)
        label = evaluation[turn.utterance_id]
        if label in keep:
            kept.append(Utterance(len(kept), turn.speaker, clean(turn.text), label))
    return Dialogue(dialogue_id, split_of(dialogue_id), tuple(kept)) if kept else None


def release_dialogues(
    release: Path, ledger: FileLedger, keep: Collection[str], clean: Callable[[str], str]
) -> list[Dialogue]:
    """Every dialogue of Sessions 1-5 (sorted by id) that keeps at least one turn."""
    dialogues = []
    for session in SESSIONS:
        folder = release / session / "dialog"
        transcriptions = folder / "transcriptions"
        if not transcriptions.is_dir():
            raise DataError(transcriptions, "folder not found (is this the IEMOCAP release folder?)")
        for path in sorted(transcriptions.glob("Ses*.txt")):
            turns = parse_transcription(path, ledger.read_text(path))
            evaluation_path = folder / "EmoEvaluation" / path.name
            evaluation = parse_evaluation(evaluation_path, ledger.read_text(evaluation_path))
            dialogue = build_dialogue(path.stem, (path, turns), evaluation, keep, clean)
            if dialogue is not None:
                dialogues.append(dialogue)
    return dialogues


def release_spans(release: Path, ledger: FileLedger, keep: Collection[str]) -> dict[str, list[tuple[float, float]]]:
    """Per dialogue id, each kept turn's [start, end] seconds, indexed as `release_dialogues` numbers them."""
    spans: dict[str, list[tuple[float, float]]] = {}
    for session in SESSIONS:
        folder = release / session / "dialog"
        for path in sorted((folder / "transcriptions").glob("Ses*.txt")):
            evaluation_path = folder / "EmoEvaluation" / path.name
            evaluation = parse_evaluation(evaluation_path, ledger.read_text(evaluation_path))
            turns = parse_transcription(path, ledger.read_text(path))
            kept = [t for t in turns if evaluation.get(t.utterance_id) in keep]
            found: list[tuple[float, float]] = []
            for turn in kept:
                if turn.span is None:
                    raise DataError(path, "no [start-end] seconds on this transcription line", turn.line)
                found.append(turn.span)
            spans[path.stem] = found
    return spans


def session_video(videos: Path, dialogue_id: str) -> list[Path]:
    """Where a dialogue's video may be: the release's Session<N>/dialog/avi/DivX/<id>.avi,
    or <id>.avi/.mp4 in one folder."""
    session = f"Session{int(dialogue_id[3:5])}" if dialogue_id[3:5].isdigit() else "Session?"
    return [videos / session / "dialog" / "avi" / "DivX" / f"{dialogue_id}.avi",
            videos / f"{dialogue_id}.avi", videos / f"{dialogue_id}.mp4"]
