"""Worker threads with real sources: a camera that falls silent is reported lost and back;
the frame gate for the assessment follows kiosk.session.face's pitch rule."""
from __future__ import annotations

import queue
import time

import cv2

from kiosk.config import CameraConfig
from kiosk.session.workers import SILENT_CAMERA_S, CameraWorker, frame_usable


def test_silent_camera_is_reported_lost_then_back(tmp_path):
    from kiosk.capture.camera import open_camera
    from kiosk.demo.synthetic_face import SyntheticSpec, expression_image
    img = tmp_path / "rest.png"
    cv2.imwrite(str(img), cv2.cvtColor(expression_image("rest", SyntheticSpec()), cv2.COLOR_RGB2BGR))
    cfg = CameraConfig(source="replay", device=str(img), fps=30)
    events: queue.Queue = queue.Queue()
    # a single-image replay gives one frame, then nothing: like a camera that stopped delivering
    cam = CameraWorker(lambda step: open_camera(cfg), events, fps=30)
    cam.start()
    try:
        got = []
        deadline = time.monotonic() + SILENT_CAMERA_S + 4
        while len(got) < 2 and time.monotonic() < deadline:
            try:
                got.append(events.get(timeout=0.2))
            except queue.Empty:
                pass
        assert [g[:2] for g in got] == [("lost", "camera"), ("back", "camera")]
        assert "no frame for" in got[0][2] and "Check its cable" in got[0][2]
        deadline = time.monotonic() + 2
        while cam.frames_read < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert cam.frames_read >= 2                 # it delivers again after the reopen
    finally:
        cam.stop()
        cam.join(3)


def test_frame_gate_relaxes_pitch_only_relative_to_rest(model_dir):
    from kiosk.demo.synthetic_face import SyntheticSpec, expression_image
    from kiosk.vision.pipeline import FacePipeline
    pipe = FacePipeline(tracking=False)
    spec = SyntheticSpec(affected_side="right", severity=0.5)
    rest = pipe.process(expression_image("rest", spec))
    closed = pipe.process(expression_image("eye_close_tight", spec))
    assert rest.quality.ok and frame_usable(rest, None, 15.0)
    assert closed.quality.code == "tilted"          # the mesh's pitch rises when the eyes close
    assert not frame_usable(closed, None, 15.0)     # no rest frame yet: the gate stands
    assert frame_usable(closed, rest.face.pose.pitch_deg, 15.0)
    assert not frame_usable(closed, rest.face.pose.pitch_deg - 20.0, 15.0)
    far = pipe.process(cv2.resize(expression_image("rest", spec), (200, 200)))
    assert not far.quality.ok and not frame_usable(far, rest.face.pose.pitch_deg, 15.0)
