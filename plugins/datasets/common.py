"""What file-backed dataset tasks share: the data folder, a cache, provenance."""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Mapping

from harness.errors import DataError
from harness.sdk import Dialogue, Task
from harness.sdk.data import FileLedger, data_root

SPLITS = ("train", "dev", "test")


def line_of(text: str, needle: str) -> int | None:
    """The 1-based line where `needle` first occurs, to point an error at a place in a JSON file."""
    at = text.find(needle)
    return None if at < 0 else text.count("\n", 0, at) + 1


class FileTask(Task):
    """A task read from files under the data root; subclasses implement `load(split)`.

    `remote_files` maps a path relative to the data root to (url, sha256), for
    `ercbench data fetch`; `fetch_notice` is printed by fetch (licences, manual steps).
    """

    variant: ClassVar[str]
    folder_name: ClassVar[str]
    remote_files: ClassVar[Mapping[str, tuple[str, str]]] = {}
    fetch_notice: ClassVar[str] = ""

    def __init__(self, data_dir: Path | None = None, **options: str):
        super().__init__(data_dir, **options)
        self.ledger = FileLedger()
        self.formats: dict[str, str] = {}
        self._cache: dict[str, list[Dialogue]] = {}

    def splits(self) -> tuple[str, ...]:
        return SPLITS

    def folder(self) -> Path:
        """The dataset's folder: <root>/<folder_name>, or the root itself when it is that folder."""
        root = data_root(self.data_dir)
        return root / self.folder_name if (root / self.folder_name).is_dir() else root

    def dialogues(self, split: str) -> list[Dialogue]:
        if split not in self.splits():
            raise DataError(self.folder(), f"task {self.name!r} has no split {split!r}")
        if split not in self._cache:
            before = set(self.ledger.files)
            dialogues = self.load(split)
            if not any(u.emotion is not None for d in dialogues for u in d.utterances):
                read = [name for name in self.ledger.files if name not in before] or list(self.ledger.files)
                where = ", ".join(read) or str(self.folder())
                raise DataError(where, f"no examples in the {split} split (no labelled rows: a header only?); "
                                "restore the full file, e.g. with `ercbench data fetch`")
            self._cache[split] = dialogues
        return self._cache[split]

    @abstractmethod
    def load(self, split: str) -> list[Dialogue]:
        """Read one split from disk (called once per split); record its format in self.formats."""

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "variant": self.variant,
            "format": dict(self.formats),
            "options": {k: v for k, v in self.options.items() if k not in self.common_options},
            "files": dict(self.ledger.files),
        }
