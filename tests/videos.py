"""Synthetic video clips made with PyAV for offline tests: a few seconds of plain coloured frames."""

from __future__ import annotations

from pathlib import Path


def make_clip(path: Path, seconds: float = 2.0, fps: int = 10, size: tuple[int, int] = (32, 24)) -> Path:
    """An MPEG-4 clip whose frame i is red = 10*i (mod 256): a frame's colour tells its time."""
    import av
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(int(seconds * fps)):
            image = np.zeros((size[1], size[0], 3), np.uint8)
            image[..., 0] = 10 * i % 256
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def make_corrupt(path: Path) -> Path:
    """Bytes that start like an mp4 and are not one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"not a video " * 20)
    return path
