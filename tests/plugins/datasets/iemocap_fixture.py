"""Writes a tiny synthetic IEMOCAP release folder in the exact official layout and line formats."""

from __future__ import annotations

from pathlib import Path

# dialogue id -> [(utterance suffix, label, text)]; Ses01M_impro01 is a standard dev dialogue.
DIALOGUES = {
    "Ses01F_impro01": [
        ("F000", "neu", "Excuse me."),
        ("M000", "fru", "Do you have your forms?"),
        ("MXX0", None, "Yeah."),  # overlapping speech: in the transcription, never evaluated
        ("F001", "xxx", "Hold on."),
        ("M001", "hap", "Great [LAUGHTER] thanks."),
        ("F002", "exc", "Wow!"),
    ],
    "Ses01M_impro01": [("M000", "ang", "No."), ("F000", "sur", "Really?"), ("M001", "sad", "Yes.")],
    "Ses05F_script01_1": [("F000", "fea", "What was that?"), ("M000", "oth", "Hmm."), ("F001", "neu", "Nothing.")],
}


def transcription(dialogue_id: str, turns) -> str:
    lines = []
    for number, (suffix, _, text) in enumerate(turns):
        start = 1.5 + 3 * number
        lines.append(f"{dialogue_id}_{suffix} [{start:08.4f}-{start + 2:08.4f}]: {text}")
    return "\n".join(lines) + "\n"


def evaluation(dialogue_id: str, turns) -> str:
    blocks = ["% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n"]
    for number, (suffix, label, _) in enumerate(turns):
        if label is None:
            continue
        start = 1.5 + 3 * number
        blocks.append(
            f"[{start:.4f} - {start + 2:.4f}]\t{dialogue_id}_{suffix}\t{label}\t[2.5000, 2.5000, 2.5000]\n"
            "C-E1:\tNeutral;\t()\nC-E2:\tNeutral;\t()\nA-E1:\tval 3; act 2; dom  2;\t()\n"
        )
    return "\n".join(blocks) + "\n"


def write_release(root: Path, dialogues=DIALOGUES) -> Path:
    """root/IEMOCAP_full_release/Session1..5/dialog/{transcriptions,EmoEvaluation}/<id>.txt"""
    release = root / "IEMOCAP_full_release"
    for session in range(1, 6):
        for sub in ("transcriptions", "EmoEvaluation"):
            (release / f"Session{session}" / "dialog" / sub).mkdir(parents=True, exist_ok=True)
    for dialogue_id, turns in dialogues.items():
        folder = release / f"Session{int(dialogue_id[3:5])}" / "dialog"
        (folder / "transcriptions" / f"{dialogue_id}.txt").write_text(transcription(dialogue_id, turns))
        (folder / "EmoEvaluation" / f"{dialogue_id}.txt").write_text(evaluation(dialogue_id, turns))
    return release
