"""An embedded sample ERC dataset (28 short dialogues written for ercbench, MIT) so a fresh install runs."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from harness.sdk import Dialogue, Task, hookimpl
from harness.sdk.data import FileLedger
from plugins.datasets.jsonl_format import build_dialogues, read_rows
from plugins.datasets.meld import EMOTIONS


def sample_path() -> Path:
    return Path(str(resources.files("plugins.datasets") / "sample_data" / "sample.jsonl"))


class Sample(Task):
    """A SAMPLE, not a benchmark: 16/4/8 tiny dialogues in MELD's label set, for smoke runs."""

    name = "sample"
    description = "embedded sample (28 dialogues, MELD labels); not a benchmark"
    default = True  # `compare` with no -t runs on it: a fresh install needs no data
    labels = EMOTIONS

    def __init__(self, data_dir: Path | None = None, **options: str):
        super().__init__(data_dir, **options)
        self.ledger = FileLedger()
        self._rows: list[tuple[int, dict]] | None = None

    def splits(self) -> tuple[str, ...]:
        return ("train", "dev", "test")

    def dialogues(self, split: str) -> list[Dialogue]:
        path = sample_path()
        if self._rows is None:
            self._rows = read_rows(path, self.ledger.read_text(path))
        return build_dialogues(path, self._rows, split, self.labels)

    def info(self) -> dict:
        return {"name": self.name, "variant": "sample", "format": "jsonl", "files": dict(self.ledger.files)}


@hookimpl
def ercbench_register_tasks(register):
    register(Sample)
