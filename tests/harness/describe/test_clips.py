"""Which clip each utterance gets: a --map CSV (any task), refusals in one line naming file and line."""

from __future__ import annotations

import pytest

from harness.describe.clips import from_map, from_task
from harness.errors import ConfigError, DataError
from harness.interfaces import Clip
from harness.sdk.testing import TinyTask


def write_map(tmp_path, text):
    path = tmp_path / "map.csv"
    path.write_text(text)
    return path


def test_a_map_lists_clips_with_optional_spans_relative_to_videos(tmp_path):
    path = write_map(tmp_path, "utterance,clip,start,end\ntest/d1/3,ep1.avi,1.5,3\ntest/d0/0,/abs/c.mp4,,\n")
    jobs = from_map(TinyTask(), ["test"], path, tmp_path / "videos")
    assert [(job.utterance, job.clip) for job in jobs] == [
        ("test/d1/3", Clip(tmp_path / "videos" / "ep1.avi", 1.5, 3.0)), ("test/d0/0", Clip(tmp_path / "/abs/c.mp4"))]
    assert from_map(TinyTask(), ["test"], path, None)[0].clip.path == tmp_path / "ep1.avi"  # the CSV's folder


@pytest.mark.parametrize("row, problem", [
    ("test/d9/0,c.mp4", "utterance 'test/d9/0' is not SPLIT/DIALOGUE_ID/UTT_INDEX of an utterance of the task"),
    ("train/d0/0,c.mp4", "utterance 'train/d0/0' is not"),  # a split not being described
    ("test/d0/0,", "empty clip path"),
    ("test/d0/0,c.mp4,2,1", r"end \(1.0\) must come after start \(2.0\)"),
    ("test/d0/0,c.mp4,x,", "start must be a number of seconds, got 'x'"),
    ("test/d0/1,c.mp4\ntest/d0/1,d.mp4", "utterance test/d0/1 is listed twice"),
])
def test_bad_map_rows_are_named_by_line(tmp_path, row, problem):
    path = write_map(tmp_path, "utterance,clip,start,end\ntest/d0/2,ok.mp4\n" + row + "\n")
    with pytest.raises(DataError, match=problem) as caught:
        from_map(TinyTask(), ["test"], path, None)
    assert caught.value.line in (3, 4) and "\n" not in str(caught.value)


def test_a_map_without_its_columns_is_refused(tmp_path):
    with pytest.raises(DataError, match="missing column\\(s\\) clip; expected a --map CSV with columns"):
        from_map(TinyTask(), ["test"], write_map(tmp_path, "utterance,path\n"), None)


def test_a_task_without_a_video_layout_asks_for_a_map(tmp_path):
    with pytest.raises(ConfigError, match="task 'tiny' does not know where its videos are; give a --map CSV"):
        from_task(TinyTask(), ["test"], tmp_path)
    with pytest.raises(ConfigError, match="give --videos DIR"):
        from_task(TinyTask(), ["test"], None)
