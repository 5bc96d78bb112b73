"""A video step's verdict (kiosk.session.video_check) from real recordings and real face analyses:
enough frames at a rate tremor can be measured at, and the face seen, or the patient's prompt."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from kiosk.capture.recorder import VideoRecorder
from kiosk.demo.real_faces import load_face
from kiosk.session.video_check import MESSAGES, MIN_VIDEO_FPS, video_verdict
from kiosk.session.workers import face_seen


def _record(path, n: int, fps: float):  # noqa: ANN001, ANN202
    face = load_face("astronaut", 200)
    rec = VideoRecorder(path, max_queue=n + 1)
    for k in range(n):
        assert rec.add(np.roll(face, k % 3, axis=0), k / fps)
    return rec.close()


def test_enough_frames_pass_and_a_slow_or_short_video_asks_again(tmp_path):
    ok = _record(tmp_path / "a.avi", 60, 30.0)                 # 2 s at 30 frames/s
    assert ok.duration_s == pytest.approx(2.0, abs=0.04)
    assert video_verdict(ok, 2.0, need_face=False).ok
    slow = _record(tmp_path / "b.avi", 24, 12.0)               # 2 s, but at 12 frames/s
    assert slow.fps < MIN_VIDEO_FPS
    short = _record(tmp_path / "c.avi", 30, 30.0)              # 1 s of a 2 s window
    for v in (slow, short):
        verdict = video_verdict(v, 2.0, need_face=False)
        assert (verdict.ok, verdict.code, verdict.message) == (False, "too_few_frames", MESSAGES["too_few_frames"])


def test_the_face_check_uses_the_live_analyses_and_says_the_commonest_problem(tmp_path):
    from kiosk.vision.pipeline import FacePipeline
    video = _record(tmp_path / "sit_still.avi", 60, 30.0)
    pipe = FacePipeline(tracking=False, with_iris=True)
    face = load_face("hopper", 512)
    lit = [pipe.process(face) for _ in range(2)]
    dark = pipe.process((face * 0.08).astype(np.uint8))
    blank = pipe.process(np.full_like(face, 128))
    assert all(face_seen(a) for a in lit) and not face_seen(dark) and not face_seen(blank)
    assert dark.quality.code == "too_dark" and blank.quality.code == "no_face"

    def verdict(analyses):  # noqa: ANN001, ANN202
        reasons = Counter((a.quality.code, a.quality.message) for a in analyses if not face_seen(a))
        return video_verdict(video, 2.0, need_face=True, face_frames=sum(map(face_seen, analyses)),
                             analysed=len(analyses), reasons=reasons)

    assert verdict(lit * 4 + [dark]).ok                         # 8 of 9 with the face: 89 %
    v = verdict(lit * 2 + [dark] * 3 + [blank])                  # mostly too dark
    assert (v.ok, v.code, v.message) == (False, "too_dark", dark.quality.message)
    v = verdict(lit * 2)                                         # too few frames checked to tell
    assert (v.ok, v.code) == (False, "not_checked")
    assert video_verdict(video, 2.0, need_face=False, analysed=0).ok   # the hands steps need no face


def test_the_replay_camera_loops_a_clip_with_timestamps_running_on(tmp_path):
    """A 10-frame clip at 25 frames/s, looped by the replay camera: the camera clock keeps the clip's
    own frame interval across the restarts (not the configured 60), as the recorder needs."""
    from kiosk.config import CameraConfig
    from kiosk.session.services import LoopingCamera
    clip = _record(tmp_path / "hands_lap.avi", 10, 25.0)
    cam = LoopingCamera(CameraConfig(source="replay", device=str(clip.path), fps=60))
    try:
        t = np.array([cam.read().timestamp_s for _ in range(35)])
    finally:
        cam.close()
    assert np.allclose(np.diff(t), 0.04, atol=1e-3)
