"""Frames sampled uniformly with PyAV from synthetic clips; unreadable clips are ClipErrors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.errors import ClipError
from harness.sdk.video import sample_frames, sample_times
from tests.videos import make_clip, make_corrupt

pytest.importorskip("av")


def red(frame) -> int:
    return int(frame[..., 0].mean())


@given(st.integers(1, 64), st.floats(0, 1e4), st.floats(0.01, 1e4))
def test_sample_times_are_uniform_centres_inside_the_span(count, start, length):
    times = sample_times(count, start, start + length)
    assert len(times) == count and start < times[0] and times[-1] < start + length
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(gap == pytest.approx(length / count) for gap in gaps)


def test_frames_are_spread_over_the_whole_clip(tmp_path):
    clip = make_clip(tmp_path / "c.mp4", seconds=2, fps=10)  # frame i is red 10*i
    frames = sample_frames(clip, 4)
    assert [frame.shape for frame in frames] == [(24, 32, 3)] * 4
    # centres of four half-second parts: 0.25 s, 0.75 s, 1.25 s, 1.75 s -> frames 3, 8, 13, 18 (the first at or after)
    assert [round(red(frame) / 10) for frame in frames] == [3, 8, 13, 18]


def test_a_span_samples_only_inside_it(tmp_path):
    clip = make_clip(tmp_path / "c.mp4", seconds=3, fps=10)
    frames = sample_frames(clip, 2, start=1.0, end=2.0)
    assert [round(red(frame) / 10) for frame in frames] == [13, 18]


def test_more_frames_than_the_clip_has_repeat_the_last(tmp_path):
    clip = make_clip(tmp_path / "c.mp4", seconds=0.3, fps=10)
    assert len(sample_frames(clip, 8)) == 8


def test_a_corrupt_file_is_a_clip_error(tmp_path):
    with pytest.raises(ClipError, match="not a readable video"):
        sample_frames(make_corrupt(tmp_path / "bad.mp4"), 4)


def test_a_span_past_the_end_is_a_clip_error(tmp_path):
    clip = make_clip(tmp_path / "c.mp4", seconds=1)
    with pytest.raises(ClipError, match="no video frames between 5.0s and 6.0s"):
        sample_frames(clip, 2, start=5.0, end=6.0)
