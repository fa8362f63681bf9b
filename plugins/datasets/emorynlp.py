"""EmoryNLP (Zahiri & Choi, 2018): the full benchmark (official JSON or TSV) and the MELD repo's multimodal subset."""

from __future__ import annotations

from pathlib import Path

from harness.sdk import Dialogue, hookimpl
from harness.sdk.options import option
from plugins.datasets.common import FileTask
from plugins.datasets.emorynlp_formats import parse_official_json, parse_subset_csv
from plugins.datasets.tsv_format import load_dialogues

EMOTIONS = ("Neutral", "Joyful", "Peaceful", "Powerful", "Scared", "Mad", "Sad")
OFFICIAL = {"train": "trn", "dev": "dev", "test": "tst"}
MELD_COMMIT = "2d2011b409d3ca2d7e94460cd007d434b1d0a102"
OFFICIAL_COMMIT = "289b967a34556f0d86b52ea36571c2a0c90740ae"
COMPM_COMMIT = "528a904da0aa5f1303f2e0a71eef496182900911"
RAW = "https://raw.githubusercontent.com"

SUBSET_FILES = {
    f"emorynlp/meld_multimodal_subset/emorynlp_{split}_final.csv": (
        f"{RAW}/declare-lab/MELD/{MELD_COMMIT}/data/emorynlp/emorynlp_{split}_final.csv",
        sha,
    )
    for split, sha in (
        ("train", "462c66c333783adb801836d12d1424f48489bef4fb8ddfec7fbb2f08ce8211d5"),
        ("dev", "20edc9d5917fe705b17b849f7f288e495d4132a60353a6247c3800445bdf8734"),
        ("test", "dbc4b5638acd12c92a5f48def829e04f1c765cddffb4eedbe34216312e0d2d78"),
    )
}
FULL_FILES = {
    **{
        f"emorynlp/official/emotion-detection-{name}.json": (
            f"{RAW}/emorynlp/emotion-detection/{OFFICIAL_COMMIT}/json/emotion-detection-{name}.json",
            sha,
        )
        for name, sha in (
            ("dev", "177f0b8ae5442045ea60e6f7940e14b1a8c15c704201f01da1ba74943f99086e"),
            ("tst", "2da84b0bffbc9da2f3b9de8016c2d3ae5478e6ccb26d473313368373b427dedc"),
        )
    },
    **{
        f"emorynlp/compm/EMORY_{split}.txt": (
            f"{RAW}/rungjoo/CoMPM/{COMPM_COMMIT}/dataset/EMORY/EMORY_{split}.txt", sha
        )
        for split, sha in (
            ("train", "b686aba4a7feb151346327ac7a9a55a09da810c529a7485c556f4be392a512c7"),
            ("dev", "1059dea45b362559646f3216cba08a519a6ee7eddaa87808ad44c9e4ff5d916e"),
            ("test", "a4c0ca8ae410e3a8a1bb2aec371cdf925ad486eae064cedc53f5749a2e654b72"),
        )
    },
}


class EmoryNLP(FileTask):
    """The full benchmark: 9934/1344/1328 utterances in 713/99/85 scenes.

    format=auto reads each split from the official JSON when present, else from the
    TSV copy (the official train JSON is often missing: its copies come from CoMPM's TSV).
    """

    name = "emorynlp"
    description = "EmoryNLP full benchmark, 7 emotions (official JSON or CoMPM TSV; option format=auto|json|tsv)"
    labels = EMOTIONS
    variant = "full"
    folder_name = "emorynlp"
    remote_files = {**FULL_FILES, **SUBSET_FILES}
    fetch_notice = (
        "EmoryNLP official JSON: Apache-2.0 (emorynlp/emotion-detection). Its train JSON is not fetched "
        "(no pinned copy); train comes from CoMPM's TSV (rungjoo/CoMPM, which has no license file). "
        "The multimodal subset is from declare-lab/MELD (GPL-3.0)."
    )

    class Options(FileTask.Options):
        format: str = option("auto", "input files (auto: the official JSON where present)",
                             choices=("auto", "json", "tsv"))

    config: Options

    def __init__(self, data_dir: Path | None = None, **options: str):
        super().__init__(data_dir, **options)
        self.format = self.config.format

    def official_path(self, split: str) -> Path:
        return self.folder() / "official" / f"emotion-detection-{OFFICIAL[split]}.json"

    def tsv_path(self, split: str) -> Path:
        return self.folder() / "compm" / f"EMORY_{split}.txt"

    def split_format(self, split: str) -> str:
        if self.format != "auto":
            return self.format
        return "json" if self.official_path(split).is_file() else "tsv"

    def load(self, split: str) -> list[Dialogue]:
        fmt = self.split_format(split)
        path = self.official_path(split) if fmt == "json" else self.tsv_path(split)
        text = self.ledger.read_text(path)
        self.formats[split] = "emorynlp-json" if fmt == "json" else "tsv"
        if fmt == "json":
            return parse_official_json(path, text, split, self.labels)
        return load_dialogues(path, text, split, self.labels)


class EmoryNLPMultimodal(FileTask):
    """The multimodal subset (COSMIC, InstructERC): 7551/954/984 utterances in 659/89/79 scenes.

    Not the full benchmark."""

    name = "emorynlp-mm"
    description = "EmoryNLP multimodal SUBSET from the MELD repository (COSMIC/InstructERC); not the full benchmark"
    labels = EMOTIONS
    variant = "multimodal-subset"
    folder_name = "emorynlp"
    remote_files = SUBSET_FILES
    fetch_notice = "The multimodal subset is from declare-lab/MELD (GPL-3.0); annotations from EmoryNLP."

    def path(self, split: str) -> Path:
        return self.folder() / "meld_multimodal_subset" / f"emorynlp_{split}_final.csv"

    def load(self, split: str) -> list[Dialogue]:
        path = self.path(split)
        text = self.ledger.read_text(path)
        self.formats[split] = "meld-emorynlp-csv"
        return parse_subset_csv(path, text, split, self.labels)


@hookimpl
def ercbench_register_tasks(register):
    register(EmoryNLP)
    register(EmoryNLPMultimodal)
