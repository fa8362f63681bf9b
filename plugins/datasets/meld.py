"""MELD (Poria et al., 2019): the official CSVs, 7 emotions or 3 sentiments; one dialogue per Dialogue_ID."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from harness.errors import ConfigError, DataError
from harness.sdk import Clip, Dialogue, Utterance, hookimpl
from harness.sdk.options import option
from plugins.datasets.common import FileTask
from plugins.datasets.csv_format import csv_int, read_csv_rows
from plugins.datasets.mojibake import repair

EMOTIONS = ("neutral", "joy", "surprise", "anger", "sadness", "disgust", "fear")
SENTIMENTS = ("neutral", "positive", "negative")
COLUMNS = ("Utterance", "Speaker", "Emotion", "Dialogue_ID", "Utterance_ID")
SPLIT_FILES = {
    "train": "train_sent_emo.csv",
    "dev": "dev_sent_emo.csv",
    "test": "test_sent_emo.csv",
}
# The clip folders of MELD.Raw.tar.gz, per split; each holds dia{Dialogue_ID}_utt{Utterance_ID}.mp4.
VIDEO_FOLDERS = {"train": "train_splits", "dev": "dev_splits_complete", "test": "output_repeated_splits_test"}
MELD_COMMIT = "2d2011b409d3ca2d7e94460cd007d434b1d0a102"
REMOTE_FILES = {
    f"meld/{name}": (f"https://raw.githubusercontent.com/declare-lab/MELD/{MELD_COMMIT}/data/MELD/{name}", sha)
    for name, sha in (
        ("train_sent_emo.csv", "d2fa2d6529cf03cac2989efec05c9b27d8fd2f4c8fc5974c7ae88aa537fa02db"),
        ("dev_sent_emo.csv", "2e89c6f8aa182d6f62f8c6331aece905ac7273ca4999660bfb5213e1d0370c1c"),
        ("test_sent_emo.csv", "8d37103938f7067600839fe29d5a114a6cd1bcdafb75bec101e06464c5006888"),
    )
}


def group_dialogues(
    path: Path,
    split: str,
    rows: list[tuple[int, dict[str, str]]],
    label_column: str,
    labels: tuple[str, ...],
    clean: Callable[[str], str] = lambda text: text,
) -> list[Dialogue]:
    """Rows sorted by (Dialogue_ID, Utterance_ID) become dialogues; Utterance_ID gaps are kept."""
    grouped: dict[int, list[Utterance]] = {}
    for line, row in rows:
        label = row[label_column].strip()
        if label not in labels:
            raise DataError(path, f"unknown {label_column} label {label!r} (expected one of {', '.join(labels)})", line)
        dialogue_id = csv_int(path, line, "Dialogue_ID", row["Dialogue_ID"])
        index = csv_int(path, line, "Utterance_ID", row["Utterance_ID"])
        grouped.setdefault(dialogue_id, []).append(
            Utterance(index=index, speaker=clean(row["Speaker"]), text=clean(row["Utterance"]), emotion=label)
        )
    return [
        Dialogue(str(dialogue_id), split, tuple(sorted(utterances, key=lambda u: u.index)))
        for dialogue_id, utterances in sorted(grouped.items())
    ]


class Meld(FileTask):
    """MELD text, emotion labels (7 classes). fix_mojibake=on repairs cp1252 text of pre-2020 copies."""

    name = "meld"
    description = "MELD, 7 emotions, official CSVs (data root: meld/*.csv; option fix_mojibake=on|off)"
    labels: tuple[str, ...] = EMOTIONS
    label_column = "Emotion"
    variant = "meld"
    folder_name = "meld"
    remote_files = REMOTE_FILES
    fetch_notice = "MELD: declare-lab/MELD (GPL-3.0 repository licence); text from the Friends TV series."

    class Options(FileTask.Options):
        # Off by default: the official 2020 files are clean UTF-8 and must be read byte-faithfully.
        fix_mojibake: bool = option(False, "repair cp1252 mojibake in pre-2020 copies of the CSVs")

    config: Options

    def __init__(self, data_dir: Path | None = None, **options: str):
        super().__init__(data_dir, **options)
        self.fix_mojibake = self.config.fix_mojibake

    def load(self, split: str) -> list[Dialogue]:
        path = self.folder() / SPLIT_FILES[split]
        text = self.ledger.read_text(path)
        self.formats[split] = "meld-csv"
        rows = read_csv_rows(path, text, COLUMNS + (self.label_column,))
        clean = repair if self.fix_mojibake else (lambda value: value)
        return group_dialogues(path, split, rows, self.label_column, self.labels, clean)

    def video_clips(self, split: str, videos: Path) -> dict[tuple[str, int], Clip]:
        """The official clips: <videos>/[<split>/]<split folder>/dia{D}_utt{U}.mp4 (or straight under <videos>)."""
        name = VIDEO_FOLDERS[split]
        candidates = (videos / name, videos / split / name, videos / split, videos)
        folder = next((c for c in candidates if any(c.glob("dia*_utt*.mp4"))), None)
        if folder is None:
            looked = ", ".join(str(c) for c in candidates)
            raise ConfigError(f"meld: no {split} clips (dia<Dialogue_ID>_utt<Utterance_ID>.mp4) in any of {looked}")
        return {(d.dialogue_id, u.index): Clip(folder / f"dia{d.dialogue_id}_utt{u.index}.mp4")
                for d in self.dialogues(split) for u in d.utterances}


class MeldSentiment(Meld):
    """MELD text, the Sentiment column (3 classes)."""

    name = "meld-sentiment"
    description = "MELD, 3 sentiments (neutral, positive, negative), official CSVs"
    labels = SENTIMENTS
    label_column = "Sentiment"
    variant = "meld-sentiment"


@hookimpl
def ercbench_register_tasks(register):
    register(Meld)
    register(MeldSentiment)
