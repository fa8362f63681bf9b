"""The describe loop and its file: bad clips recorded as no description, resumable, refusing mixed settings."""

from __future__ import annotations

import json
from typing import Sequence

import pytest

from harness.data.descriptions import DescriptionSource, provenance_path, read_descriptions
from harness.describe.clips import Job
from harness.describe.store import DescriptionsFile
from harness.describe.work import Describing, provenance
from harness.errors import ClipError, ConfigError
from harness.interfaces import Clip, Describer
from harness.registry import Origin
from harness.sdk.options import option
from harness.sdk.testing import TinyTask


class StemDescriber(Describer):
    """Describes a clip by its file's stem; a stem ending in 'silent' gets an empty answer."""

    name = "stem"
    description = "the clip's file name"

    class Options(Describer.Options):
        words: str = option("clip", "before the stem")
        batch_size: int = option(2, "clips per call", minimum=1)

    def __init__(self, **options: str):
        super().__init__(**options)
        self.batch_size = self.config.batch_size
        self.described: list[str] = []

    def read(self, clip: Clip) -> str:
        if clip.path.read_bytes().startswith(b"bad"):
            raise ClipError(f"{clip.path}: not a readable video")
        return clip.path.stem

    def describe(self, inputs: Sequence[str]) -> list[str]:
        self.described += inputs
        return ["  " if stem.endswith("silent") else f"{self.config.words} {stem}" for stem in inputs]


def jobs_for(folder, names):
    return [Job("test", "d0", index, Clip(folder / name)) for index, name in enumerate(names)]


def describe(tmp_path, names, **options):
    task, describer = TinyTask(), StemDescriber(**options)
    out = tmp_path / "out" / "d.jsonl"
    made = provenance(task, describer, Origin("stem", "tests", "0"))
    summary = Describing(task, describer, DescriptionsFile(out, made)).run(jobs_for(tmp_path, names))
    return summary, describer, out


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_missing_empty_corrupt_and_silent_clips_are_recorded_without_a_description(tmp_path):
    (tmp_path / "ok.mp4").write_bytes(b"video")
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "bad.mp4").write_bytes(b"bad bytes")
    (tmp_path / "silent.mp4").write_bytes(b"video")
    summary, describer, out = describe(tmp_path, ["ok.mp4", "gone.mp4", "empty.mp4", "bad.mp4", "silent.mp4"])
    assert summary.described == 1 and describer.described == ["ok", "silent"]
    problems = dict(summary.problems)
    assert problems["test/d0/1"].endswith("gone.mp4: no such file")
    assert problems["test/d0/2"].endswith("empty.mp4: empty file (0 bytes)")
    assert problems["test/d0/3"].endswith("bad.mp4: not a readable video")
    assert problems["test/d0/4"] == "the describer returned no text"
    table, undescribed = read_descriptions(out)
    assert table == {("tiny", "test", "d0", 0): "clip ok"} and undescribed == 4
    made = json.loads(provenance_path(out).read_text())
    assert made["counts"] == {"entries": 5, "described": 1, "no_description": 4} and made["describer"] == "stem"
    assert not out.with_name("d.jsonl.partial").exists()


def test_a_killed_run_continues_without_describing_anything_twice(tmp_path):
    names = [f"c{i}.mp4" for i in range(5)]
    for name in names:
        (tmp_path / name).write_bytes(b"video")
    task, first = TinyTask(), StemDescriber()
    out = tmp_path / "out" / "d.jsonl"
    made = provenance(task, first, Origin("stem", "tests", "0"))
    store = DescriptionsFile(out, made)
    store.open()
    Describing(task, first, store).batch(jobs_for(tmp_path, names)[:2])
    store.close()  # as a kill leaves it: two lines, then half a third
    with open(store.partial, "a") as handle:
        handle.write('{"task": "tiny", "split": "te')
    summary, again, _ = describe(tmp_path, names)
    assert again.described == ["c2", "c3", "c4"] and summary.before == 2
    rows = lines(out)
    assert [row["utt_index"] for row in rows] == [0, 1, 2, 3, 4]
    assert DescriptionSource(out).info()["entries"] == 5


def test_a_finished_file_is_extended_and_runtime_options_may_change(tmp_path):
    names = [f"c{i}.mp4" for i in range(4)]
    for name in names:
        (tmp_path / name).write_bytes(b"video")
    describe(tmp_path, names[:2])
    summary, describer, out = describe(tmp_path, names, batch_size="3")
    assert describer.described == ["c2", "c3"] and summary.before == 2 and len(lines(out)) == 4


def test_other_settings_never_mix_into_a_file(tmp_path):
    (tmp_path / "c.mp4").write_bytes(b"video")
    describe(tmp_path, ["c.mp4"])
    with pytest.raises(ConfigError, match=r"d.jsonl is a descriptions file made with other settings \(options words "
                                          r"differ\); use the same settings to continue it, or choose another --out"):
        describe(tmp_path, ["c.mp4"], words="scene")
