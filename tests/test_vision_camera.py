"""Camera sources: replay of a folder and of a video written at test time; error paths."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from kiosk.capture.camera import CAMERA_TYPES, CameraUnavailable, ReplayCamera, open_camera
from kiosk.config import CameraConfig


def _frames(n: int) -> list[np.ndarray]:
    a = cv2.resize(data.astronaut(), (160, 160))
    return [np.roll(a, 10 * i, axis=1) for i in range(n)]


def test_registry_names_match_config():
    assert set(CAMERA_TYPES) == {"picamera2", "opencv", "replay"}


def test_replay_folder_in_name_order(tmp_path):
    frames = _frames(3)
    for i, f in enumerate(frames):
        cv2.imwrite(str(tmp_path / f"frame_{i:02d}.png"), cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    (tmp_path / "notes.txt").write_text("ignored")
    (tmp_path / "frame_99.png").write_bytes(b"broken")
    with open_camera(CameraConfig(source="replay", device=str(tmp_path), fps=10)) as cam:
        got = list(cam)
        assert [g.index for g in got] == [0, 1, 2]
        assert [g.timestamp_s for g in got] == pytest.approx([0.0, 0.1, 0.2])
        for g, f in zip(got, frames):
            assert g.rgb.dtype == np.uint8 and g.rgb.shape == (160, 160, 3)
            assert np.array_equal(g.rgb, f)  # PNG is lossless and the colours are RGB again
        assert [p.name for p in cam.skipped] == ["frame_99.png"]
        assert cam.read() is None


def test_replay_video(tmp_path):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 20.0, (160, 160))
    assert writer.isOpened()
    frames = _frames(6)
    for f in frames:
        writer.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    writer.release()
    cam = open_camera(CameraConfig(source="replay", device=str(path)))
    got = list(cam)
    cam.close()
    assert len(got) == 6
    ts = np.array([g.timestamp_s for g in got])
    assert np.allclose(np.diff(ts), 0.05, atol=0.002)  # 20 fps from the file's own clock
    for g, f in zip(got, frames):
        assert g.rgb.shape == (160, 160, 3)
        assert np.abs(g.rgb.astype(int) - f).mean() < 8  # JPEG-compressed, same picture, RGB order
        # red stays red: the astronaut's suit is orange (R > B) in every frame
        assert g.rgb[140:, 60:100, 0].mean() > g.rgb[140:, 60:100, 2].mean() + 40


def test_replay_errors(tmp_path):
    with pytest.raises(CameraUnavailable, match="not found"):
        ReplayCamera(CameraConfig(source="replay", device=str(tmp_path / "nope")))
    with pytest.raises(CameraUnavailable, match="no images or videos"):
        ReplayCamera(CameraConfig(source="replay", device=str(tmp_path)))
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8 not really")
    cam = ReplayCamera(CameraConfig(source="replay", device=str(tmp_path)))
    with pytest.raises(CameraUnavailable, match="no readable frame"):
        cam.read()


def test_unavailable_devices_say_why():
    with pytest.raises(CameraUnavailable, match="cannot open camera"):
        open_camera(CameraConfig(source="opencv", device="/dev/no-such-camera"))
    try:
        import picamera2  # noqa: F401
    except ImportError:
        with pytest.raises(CameraUnavailable, match="python3-picamera2"):
            open_camera(CameraConfig(source="picamera2"))
