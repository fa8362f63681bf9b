"""Bring your own dataset: the normalized JSON Lines format, labels given by option or inferred from train."""

from __future__ import annotations

from pathlib import Path

from harness.data.files import data_root
from harness.errors import ConfigError
from harness.hookspecs import hookimpl
from harness.sdk.options import option, word_list
from harness.types import Dialogue
from plugins.datasets.common import FileTask
from plugins.datasets.jsonl_format import build_dialogues, read_rows, splits_in


class JsonlTask(FileTask):
    """Any ERC dataset as JSON Lines: `split, dialogue_id, utt_index, speaker, text, label` per line.

    Options: path=FILE (required; relative paths are tried from the working folder, then
    the data root), labels=a,b,c (default: the sorted labels seen in the train split).
    """

    name = "jsonl"
    description = "your own dataset in the normalized JSONL format (options path=FILE, labels=a,b,c)"
    variant = "user-jsonl"
    folder_name = "."

    class Options(FileTask.Options):
        path: str = option("", "the JSON Lines file (required)")
        labels: tuple[str, ...] | None = option(None, "the label set, a,b,c (default: sorted train labels)",
                                                parse=word_list)

    def __init__(self, data_dir: Path | None = None, **options: str):
        super().__init__(data_dir, **options)
        if not self.config.path:
            raise ConfigError("task 'jsonl' needs --task-opt path=FILE (a JSON Lines file)")
        self.given_labels = self.config.labels
        self._rows: list[tuple[int, dict]] | None = None

    def path(self) -> Path:
        path = Path(self.config.path).expanduser()
        if path.is_absolute() or path.exists():
            return path
        return data_root(self.data_dir) / path

    def rows(self) -> list[tuple[int, dict]]:
        if self._rows is None:
            path = self.path()
            self._rows = read_rows(path, self.ledger.read_text(path))
        return self._rows

    @property  # type: ignore[override]
    def labels(self) -> tuple[str, ...]:
        return self.given_labels or self.inferred_labels(self.rows())

    @staticmethod
    def inferred_labels(rows: list[tuple[int, dict]]) -> tuple[str, ...]:
        labels = sorted({row["label"] for _, row in rows if row["split"] == "train" and row["label"] is not None})
        if not labels:
            raise ConfigError("task 'jsonl': no labelled train rows to infer labels from; pass --task-opt labels=a,b,c")
        return tuple(labels)

    def splits(self) -> tuple[str, ...]:
        return splits_in(self.rows())

    def load(self, split: str) -> list[Dialogue]:
        self.formats[split] = "jsonl"
        return build_dialogues(self.path(), self.rows(), split, self.labels)

    def info(self) -> dict:
        return {**super().info(), "labels": list(self.labels)}


@hookimpl
def ercbench_register_tasks(register):
    register(JsonlTask)
