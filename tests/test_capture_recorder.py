"""Video steps: every frame to an MJPG AVI, the real frame rate from the timestamps, bounded memory."""
from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from kiosk.capture.media import read_video
from kiosk.capture.recorder import VideoRecorder, frame_rate_hz
from kiosk.demo.real_faces import load_face


def _frames(n: int) -> list[np.ndarray]:
    face = load_face("hopper", 240)
    return [np.roll(face, i, axis=1) for i in range(n)]


def test_every_frame_is_written_at_the_rate_its_timestamps_show(tmp_path):
    rng = np.random.default_rng(3)
    t = np.cumsum(1 / 24.0 + rng.normal(0, 0.002, 90))          # a 24 fps camera with jitter
    rec = VideoRecorder(tmp_path / "sit_still.avi", nominal_fps=30, max_queue=128)
    assert all(rec.add(rgb, float(t[i])) for i, rgb in enumerate(_frames(90)))
    out = rec.close()
    assert out.error is None and out.frames == 90 and out.dropped == 0
    assert out.fps == pytest.approx(89 / (t[-1] - t[0]), rel=1e-9) and 23.5 < out.fps < 24.5
    assert stat.S_IMODE(os.stat(out.path).st_mode) == 0o600
    frames, fps = read_video(out.path)
    assert len(frames) == 90 and fps == pytest.approx(out.fps, abs=0.001)
    # the content is the recorded frames (JPEG-compressed): frame 40 matches its source best
    src = _frames(90)
    err = [np.abs(frames[40].astype(int) - s.astype(int)).mean() for s in (src[39], src[40], src[41])]
    assert int(np.argmin(err)) == 1 and err[1] < 6
    assert rec.close() is out                                     # idempotent


def test_a_full_queue_drops_frames_instead_of_growing(tmp_path):
    rec = VideoRecorder(tmp_path / "v.avi", max_queue=2)
    big = _frames(1)[0]
    accepted = sum(rec.add(big, i / 30) for i in range(400))     # far faster than any encoder
    assert rec._queue.qsize() <= 2
    out = rec.close()
    assert out.frames == accepted and out.dropped == 400 - accepted
    assert not rec.add(big, 99.0)                                 # closed: refused


def test_out_of_order_and_resized_frames_are_refused(tmp_path):
    rec = VideoRecorder(tmp_path / "v.avi", max_queue=64)
    f = _frames(1)[0]
    assert rec.add(f, 1.0) and not rec.add(f, 1.0) and not rec.add(f, 0.5)
    assert not rec.add(f[:100], 2.0) and rec.add(f, 2.0)
    out = rec.close()
    assert out.frames == 2 and out.dropped == 3 and out.fps == pytest.approx(1.0)


def test_rate_helpers():
    assert frame_rate_hz([0.0]) is None and frame_rate_hz([1.0, 1.0]) is None
    assert frame_rate_hz([0.0, 0.5, 1.0]) == 2.0


def test_the_avi_headers_give_count_size_and_rate(tmp_path):
    """The header fields FFmpeg (through OpenCV) reads: frame count, size and the measured rate."""
    import cv2
    rec = VideoRecorder(tmp_path / "hands_up.avi", max_queue=64)
    for i, rgb in enumerate(_frames(31)):                # an odd count and odd JPEG sizes: padding
        assert rec.add(rgb, i * 0.04)
    out = rec.close()
    cap = cv2.VideoCapture(str(out.path))
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(25.0, abs=1e-3)
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 31
    assert (cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (240.0, 240.0)
    cap.release()
