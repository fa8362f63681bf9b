"""Frames sampled uniformly from a video clip (or a span of it) with PyAV, for describers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.errors import ClipError

__all__ = ["require_av", "sample_frames", "sample_times"]


def require_av() -> Any:
    """The av module; missing, it is one line naming the extra (raised as ModuleNotFoundError for the CLI)."""
    try:
        import av
    except ModuleNotFoundError:
        raise ModuleNotFoundError("av is not installed: pip install 'ercbench[video]'", name="av") from None
    return av


def sample_times(count: int, start: float, end: float) -> list[float]:
    """The centres of `count` equal parts of [start, end]: uniform, never the very first or last instant."""
    step = (end - start) / count
    return [start + (i + 0.5) * step for i in range(count)]


def _duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1_000_000  # microseconds (av.time_base)
    return None


def _pick(frames: list[tuple[float, Any]], targets: list[float]) -> list[Any]:
    """For each target time, the first decoded frame at or after it (else the last one)."""
    picked, position = [], 0
    for target in targets:
        while position < len(frames) - 1 and frames[position][0] < target:
            position += 1
        picked.append(frames[position][1])
    return picked


def _decode(container: Any, stream: Any, start: float, end: float | None) -> list[tuple[float, Any]]:
    if start > 0:
        container.seek(int(start / stream.time_base), stream=stream)  # lands on the keyframe before
    frames = []
    for frame in container.decode(stream):
        if frame.time is None or frame.time < start:
            continue
        if end is not None and frame.time > end:
            break
        frames.append((frame.time, frame))
    return frames


def sample_frames(path: Path, count: int, start: float | None = None, end: float | None = None) -> list[Any]:
    """`count` RGB frames (HxWx3 uint8 arrays) spread uniformly over the clip or its [start, end] seconds.

    Raises ClipError for a file that is not a readable video or has no frame in the span.
    """
    av = require_av()
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise ClipError(f"{path}: no video stream")
            stream = container.streams.video[0]
            frames = _decode(container, stream, start or 0.0, end)
            if not frames:
                raise ClipError(f"{path}: no video frames" + (f" between {start}s and {end}s" if end else ""))
            stop = end if end is not None else max(_duration(container, stream) or 0.0, frames[-1][0])
            chosen = _pick(frames, sample_times(count, start or frames[0][0], stop))
            return [frame.to_ndarray(format="rgb24") for frame in chosen]
    except av.FFmpegError as exc:
        raise ClipError(f"{path}: not a readable video ({type(exc).__name__}: {exc.strerror or exc})") from None
