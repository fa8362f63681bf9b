"""IEMOCAP (Busso et al., 2008): the standard 6-class ERC split, and DialogueLLM's own label set."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from harness.errors import ConfigError, DataError
from harness.sdk import Clip, Dialogue, hookimpl
from harness.sdk.data import data_root
from harness.sdk.options import option
from plugins.datasets.common import FileTask
from plugins.datasets.iemocap_release import release_dialogues, release_spans, session_video
from plugins.datasets.jsonl_format import build_dialogues, read_rows
from plugins.datasets.tsv_format import load_dialogues

SIX_CLASSES = ("hap", "sad", "neu", "ang", "exc", "fru")
DIALOGUELLM_CLASSES = ("hap", "exc", "sad", "neu", "ang", "fru", "sur", "fea")
# label_names=words: what a language model should read in a prompt instead of the annotation codes
WORDS = {
    "hap": "happy", "sad": "sad", "neu": "neutral", "ang": "angry", "exc": "excited",
    "fru": "frustrated", "sur": "surprised", "fea": "fearful",
}
_MARKER = re.compile(r"\[[A-Z]+\]")

LICENSE_STEPS = """IEMOCAP is licensed by USC SAIL and may not be redistributed; ercbench cannot download it.
  1. Request the release at https://sail.usc.edu/iemocap/ (sign the IEMOCAP data release form).
  2. Unpack IEMOCAP_full_release (folders Session1..Session5).
  3. Point the harness at it, either way:
       put it at <data root>/iemocap/IEMOCAP_full_release, or
       pass --task-opt release=/path/to/IEMOCAP_full_release
  4. Check: ercbench data stats iemocap --task-opt format=official"""


def strip_markers(text: str) -> str:
    """Drop transcription markers ([LAUGHTER], [BREATHING], [GARBAGE]) and the spaces they leave."""
    return " ".join(_MARKER.sub(" ", text).split())


class Iemocap(FileTask):
    """Standard 6-class split: train 5163/108, dev 647/12, test 1623/31 (Session 5).

    Formats: the official release folder, the normalized JSONL (derived/iemocap_6class.jsonl)
    or the CoMPM TSV; format=auto takes the first one present, in that order.
    markers=keep (default, as in every published copy) or strip.
    label_names=codes (default: hap, sad, ...) or words (happy, sad, ...), for prompts.
    """

    name = "iemocap"
    description = "IEMOCAP standard 6-class split (official release, JSONL or TSV; format=auto|official|jsonl|tsv)"
    codes: tuple[str, ...] = SIX_CLASSES
    labels: tuple[str, ...] = SIX_CLASSES  # per instance: the words with label_names=words
    variant = "6-class"
    folder_name = "iemocap"
    fetch_notice = LICENSE_STEPS

    class Options(FileTask.Options):
        format: str = option("auto", "input files (auto: the first of official, jsonl, tsv present)",
                             choices=("auto", "official", "jsonl", "tsv"))
        markers: str = option("keep", "transcription markers like [LAUGHTER]", choices=("keep", "strip"))
        release: str | None = option(None, "the IEMOCAP_full_release folder (default: found under the data root)")
        label_names: str = option("codes", "labels as codes (hap, sad, ...) or words", choices=("codes", "words"))

    config: Options

    def __init__(self, data_dir: Path | None = None, **options: str):
        super().__init__(data_dir, **options)
        self.format = self.config.format
        self.strip = self.config.markers == "strip"
        self.words = self.config.label_names == "words"
        self.labels = tuple(WORDS[code] for code in self.codes) if self.words else self.codes
        self._release: list[Dialogue] | None = None
        self._jsonl_rows: list[tuple[int, dict]] | None = None

    def clean(self, text: str) -> str:
        return strip_markers(text) if self.strip else text

    def release_folder(self) -> Path | None:
        if self.config.release:
            return Path(self.config.release).expanduser()
        root = data_root(self.data_dir)
        candidates = (root / "iemocap" / "IEMOCAP_full_release", root / "iemocap", root / "IEMOCAP_full_release", root)
        for folder in candidates:
            if (folder / "Session1").is_dir():
                return folder
        return None

    def jsonl_path(self) -> Path:
        return data_root(self.data_dir) / "derived" / "iemocap_6class.jsonl"

    def tsv_path(self, split: str) -> Path:
        return self.folder() / "compm" / f"iemocap_{split}.txt"

    def chosen_format(self) -> str:
        if self.format != "auto":
            if self.format == "jsonl" and not self.jsonl_path().is_file():
                self.refuse_missing_data()
            return self.format
        if self.release_folder() is not None:
            return "official"
        if self.jsonl_path().is_file():
            return "jsonl"
        if not (self.folder() / "compm").is_dir():
            self.refuse_missing_data()
        return "tsv"

    def refuse_missing_data(self) -> None:
        """Name a JSONL found in the wrong place, else every place that was looked in."""
        expected = self.jsonl_path()
        root = data_root(self.data_dir)
        for found in (root / expected.name, *root.glob(f"*/{expected.name}"), *root.glob(f"*/*/{expected.name}")):
            if found.is_file() and found != expected:
                raise DataError(found, f"the IEMOCAP JSONL is read from {expected}, not from here: move it there")
        raise DataError(
            root / self.folder_name,
            f"no IEMOCAP data: looked for the release folder (Session1..5), {expected} and "
            f"{self.folder() / 'compm'}/iemocap_<split>.txt; see `ercbench data fetch iemocap`",
        )

    def load(self, split: str) -> list[Dialogue]:
        dialogues = self.read(split)
        if not self.words:
            return dialogues
        return [
            dataclasses.replace(d, utterances=tuple(
                dataclasses.replace(u, emotion=None if u.emotion is None else WORDS[u.emotion]) for u in d.utterances
            ))
            for d in dialogues
        ]

    def read(self, split: str) -> list[Dialogue]:
        """The split with annotation codes as labels."""
        fmt = self.chosen_format()
        self.formats[split] = {"official": "iemocap-release", "jsonl": "jsonl", "tsv": "tsv"}[fmt]
        if fmt == "official":
            return [d for d in self.release() if d.split == split]
        if fmt == "jsonl":
            return self.from_jsonl(split)
        path = self.tsv_path(split)
        return load_dialogues(path, self.ledger.read_text(path), split, self.codes, self.clean)

    def release(self) -> list[Dialogue]:
        if self._release is None:
            folder = self.release_folder()
            if folder is None:
                problem = "no IEMOCAP release folder (Session1..5) found; see `ercbench data fetch iemocap`"
                raise DataError(data_root(self.data_dir) / "iemocap", problem)
            self._release = release_dialogues(folder, self.ledger, self.codes, self.clean)
        return self._release

    def video_clips(self, split: str, videos: Path) -> dict[tuple[str, int], Clip]:
        """Each utterance's span of its dialogue's session video, timed by the release's transcriptions."""
        folder = self.release_folder()
        if folder is None or self.chosen_format() != "official":
            raise ConfigError(
                "iemocap: cutting the session videos needs each utterance's start and end times, which only the "
                "IEMOCAP release has (Session1..5/dialog/transcriptions/*.txt; --task-opt release=DIR); the text "
                "copies have none: use the release, or give a --map CSV with start and end seconds")
        spans = release_spans(folder, self.ledger, self.codes)
        clips: dict[tuple[str, int], Clip] = {}
        looked: list[Path] = []
        for dialogue in self.dialogues(split):
            paths = session_video(videos, dialogue.dialogue_id)
            video = next((path for path in paths if path.is_file()), None)
            looked = looked or paths  # the first dialogue's, for the refusal
            for utterance, (start, end) in zip(dialogue.utterances, spans.get(dialogue.dialogue_id, [])):
                clips[(dialogue.dialogue_id, utterance.index)] = Clip(video or paths[0], start, end)
        if not any(clip.path.is_file() for clip in clips.values()):
            raise ConfigError(f"iemocap: no {split} session video found; looked for "
                              f"{' or '.join(str(path) for path in looked)} (and the like for each dialogue)")
        return clips

    def from_jsonl(self, split: str) -> list[Dialogue]:
        path = self.jsonl_path()
        if self._jsonl_rows is None:
            self._jsonl_rows = read_rows(path, self.ledger.read_text(path))
        dialogues = build_dialogues(path, self._jsonl_rows, split, self.codes)
        return [
            dataclasses.replace(
                d, utterances=tuple(dataclasses.replace(u, text=self.clean(u.text)) for u in d.utterances)
            )
            for d in dialogues
        ]


class IemocapDialogueLLM(Iemocap):
    """DialogueLLM's setting: hap and exc apart, sur and fea kept, oth/xxx/dis dropped.

    NOT comparable with 6-class numbers: different labels, different utterances.
    """

    name = "iemocap-dialoguellm"
    description = "IEMOCAP with DialogueLLM's 8 labels (official release only); not comparable with 6-class results"
    codes = DIALOGUELLM_CLASSES
    labels = DIALOGUELLM_CLASSES
    variant = "dialoguellm-8-class"

    class Options(Iemocap.Options):
        format: str = option("auto", "input files: the official release only", choices=("auto", "official"))

    config: Options

    def chosen_format(self) -> str:
        return "official"


@hookimpl
def ercbench_register_tasks(register):
    register(Iemocap)
    register(IemocapDialogueLLM)
