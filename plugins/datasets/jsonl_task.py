"""Bring your own dataset: the normalized JSON Lines format, labels given by option or inferred from train."""

from __future__ import annotations

import hashlib
import os
from array import array
from pathlib import Path

from harness.errors import ConfigError, DataError
from harness.sdk import Dialogue, hookimpl
from harness.sdk.data import DATA_ENV, data_root
from harness.sdk.options import option, word_list
from plugins.datasets.common import FileTask
from plugins.datasets.jsonl_format import Scan, build_dialogues, scan, split_rows


class JsonlTask(FileTask):
    """Any ERC dataset as JSON Lines: `split, dialogue_id, utt_index, speaker, text, label` per line.

    Options: path=FILE (required; relative paths are tried from the working folder, then
    the data root), labels=a,b,c (default: the sorted labels seen in the train split).
    The file is streamed, never held whole: memory follows the utterances of the splits loaded.
    The validating pass records where each split's lines are; loading a split parses only those.
    """

    name = "jsonl"
    description = "your own dataset in the normalized JSONL format (options path=FILE, labels=a,b,c)"
    variant = "user-jsonl"
    folder_name = "."

    class Options(FileTask.Options):
        path: str = option("", "the JSON Lines file (required)")
        labels: tuple[str, ...] | None = option(None, "the label set, a,b,c (default: sorted train labels)",
                                                parse=word_list)

    config: Options

    def __init__(self, data_dir: Path | None = None, **options: str):
        super().__init__(data_dir, **options)
        if not self.config.path:
            raise ConfigError("task 'jsonl' needs --task-opt path=FILE (a JSON Lines file)")
        self.given_labels = self.config.labels
        self._scan: Scan | None = None
        self._labels: tuple[str, ...] | None = None

    def path(self) -> Path:
        path = Path(self.config.path).expanduser()
        if path.is_absolute() or path.exists():
            return path
        if self.data_dir is None and not os.environ.get(DATA_ENV):  # not "set a data root": the path is the typo
            raise DataError(path, "file not found in the working folder (and no data root is set to look under)")
        return data_root(self.data_dir) / path

    def scan(self) -> Scan:
        """One streaming pass (validation, splits, train labels, sha256), done once."""
        if self._scan is None:
            path = self.path()
            self._scan = scan(path)
            self.ledger.files[str(path)] = self._scan.sha256
        return self._scan

    # Read-only here: the labels come from the file (or labels=), where Task's are a plain class attribute.
    @property
    def labels(self) -> tuple[str, ...]:  # type: ignore[override]
        # Computed once: every Example reads it, so recomputing it per example would be quadratic.
        if self._labels is None:
            self._labels = self.given_labels or self.inferred_labels(self.scan())
        return self._labels

    @staticmethod
    def inferred_labels(found: Scan) -> tuple[str, ...]:
        if not found.train_labels:
            raise ConfigError("task 'jsonl': no labelled train rows to infer labels from; pass --task-opt labels=a,b,c")
        return found.train_labels

    def splits(self) -> tuple[str, ...]:
        return self.scan().splits

    def read_inputs(self) -> None:
        self.scan()  # hashes the whole file without keeping any split in memory

    def load(self, split: str) -> list[Dialogue]:
        """Reads and parses only this split's lines (where the scan found them); refuses a file that
        changed since the scan."""
        self.formats[split] = "jsonl"
        path, found = self.path(), self.scan()
        dialogues = build_dialogues(path, split_rows(path, found.places.get(split, array("q"))), split, self.labels)
        with open(path, "rb") as handle:  # read at the places the scan found: the same bytes?
            if hashlib.file_digest(handle, "sha256").hexdigest() != found.sha256:
                raise DataError(path, "changed while being read; rerun once it is complete")
        return dialogues

    def info(self) -> dict:
        return {**super().info(), "labels": list(self.labels)}


@hookimpl
def ercbench_register_tasks(register):
    register(JsonlTask)
