"""Where the built-in tasks find their videos: MELD's official clips, IEMOCAP's session videos cut by time."""

from __future__ import annotations

import pytest

from harness.errors import ConfigError
from harness.interfaces import Clip
from plugins.datasets.iemocap import Iemocap
from plugins.datasets.meld import Meld
from tests.plugins.datasets.iemocap_fixture import write_release


def test_meld_names_the_official_clip_of_every_utterance(tmp_path, data_root):
    folder = tmp_path / "MELD.Raw" / "test" / "output_repeated_splits_test"
    folder.mkdir(parents=True)
    (folder / "dia0_utt0.mp4").write_bytes(b"x")
    task = Meld(data_root)
    clips = task.video_clips("test", tmp_path / "MELD.Raw")
    assert len(clips) == 2610  # every test utterance, present on disk or not
    assert clips[("0", 0)] == Clip(folder / "dia0_utt0.mp4")
    dialogue = task.dialogues("test")[5]
    last = dialogue.utterances[-1]
    assert clips[(dialogue.dialogue_id, last.index)].path.name == f"dia{dialogue.dialogue_id}_utt{last.index}.mp4"


def test_meld_without_clips_says_where_it_looked(tmp_path, data_root):
    with pytest.raises(ConfigError, match=r"meld: no dev clips \(dia<Dialogue_ID>_utt<Utterance_ID>.mp4\) in any of "
                                          rf"{tmp_path}/dev_splits_complete, {tmp_path}/dev/dev_splits_complete, "):
        Meld(data_root).video_clips("dev", tmp_path)


def test_iemocap_cuts_the_session_video_at_each_utterances_times(tmp_path):
    release = write_release(tmp_path)
    video = release / "Session1" / "dialog" / "avi" / "DivX" / "Ses01F_impro01.avi"
    video.parent.mkdir(parents=True)
    video.write_bytes(b"x")
    clips = Iemocap(tmp_path, release=str(release)).video_clips("train", release)
    # kept turns F000, M000, M001, F002 are transcription lines 0, 1, 4, 5: each starts at 1.5 + 3 * line
    assert clips == {("Ses01F_impro01", i): Clip(video, 1.5 + 3 * line, 3.5 + 3 * line)
                     for i, line in enumerate((0, 1, 4, 5))}


def test_iemocap_refuses_without_videos_or_times(tmp_path, data_root):
    release = write_release(tmp_path)
    missing = "iemocap: no test session video found; looked for .*Session5/dialog/avi/DivX"
    with pytest.raises(ConfigError, match=missing):
        Iemocap(tmp_path, release=str(release)).video_clips("test", tmp_path / "elsewhere")
    with pytest.raises(ConfigError, match="only the IEMOCAP release has .* or give a --map CSV with start and end"):
        Iemocap(data_root).video_clips("test", tmp_path)
