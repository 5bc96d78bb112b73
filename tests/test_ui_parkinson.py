"""The Parkinson's protocol end to end through the real UI (issue 17, docs/parkinson.md#protocol):
the nurse picks a patient and chooses "Parkinson's"; every step runs from replay files made from
real inputs (a real face with a synthetic jaw tremor as video, flite speech for the spontaneous
step, the synthetic palsy session's faces and speech); the video steps are recorded to a private
capture folder at the camera's real rate; the stored session says "parkinson"; the folder is gone.

The fake clock follows the camera's clock during a video capture (the window closes when the
replayed frames cover it) and runs near real time while a step is checked, so the test does not
depend on how fast this machine decodes and analyses.
"""
from __future__ import annotations

import os
import shutil
import stat
import time
from pathlib import Path

import numpy as np
import pygame
import pytest

from kiosk.capture.media import read_video
from kiosk.protocol.steps import PROTOCOLS, VIDEO_STEPS, step_spec
from kiosk.session.video_check import MIN_COVER, MIN_VIDEO_FPS
from kiosk.store import Store
from ui_helpers import check_drawn, make_app, make_session_dir

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
VIDEO_S = 4.0       # the replayed clip (looped by the replay camera)


def _tremor_clip(path: Path) -> Path:
    """A real face (Grace Hopper, public domain) with a 5.5 Hz, 0.8 mm jaw tremor, slow sway and
    sensor noise (kiosk.demo.synthetic_tremor), written as an MJPG AVI at 30 frames/s."""
    from kiosk.capture.recorder import VideoRecorder
    from kiosk.demo.real_faces import load_face
    from kiosk.demo.synthetic_tremor import Oscillation, TremorSpec, frame_face, tremor_video
    from kiosk.vision.pipeline import FacePipeline

    pipe = FacePipeline(tracking=False, with_iris=True)
    face = load_face("hopper", None)
    found = pipe.process(face).face
    img = frame_face(face, found.box_px, found.interocular_px, target_px=110.0, size_px=(320, 360))
    f = pipe.process(img).face
    spec = TremorSpec(seconds=VIDEO_S, jaw=Oscillation(5.5, 0.8, 90.0), seed=5)
    frames = tremor_video(img, f.mm_per_px, tuple(f.landmarks_px[152, :2]), float(f.landmarks_px[[13, 14], 1].mean()),
                          spec)
    rec = VideoRecorder(path, spec.fps, max_queue=len(frames) + 1)
    for k, rgb in enumerate(frames):
        assert rec.add(rgb, k / spec.fps)
    assert rec.close().frames == len(frames)
    return path


@pytest.fixture(scope="module")
def replay(tmp_path_factory) -> Path:
    from kiosk.capture.audio import write_wav
    from kiosk.demo.parkinson_patient import SR_HZ, passage_speech

    folder = make_session_dir(tmp_path_factory.mktemp("pd") / "session")
    clip = _tremor_clip(folder / "sit_still.avi")
    for step in VIDEO_STEPS:
        if step != "sit_still":
            shutil.copy(clip, folder / f"{step}.avi")
    write_wav(folder / "spontaneous.wav", passage_speech(1.0)[0], SR_HZ)     # flite reading "my morning"
    return folder


def _runner(app):  # noqa: ANN001, ANN202
    return app.screens["session"].runner


def _shoot(app, out: Path) -> None:  # noqa: ANN001
    check_drawn(app)
    pygame.image.save(app.surface, str(out))


@pytest.mark.slow
@pytest.mark.timeout(1800)        # 81 s of video at the camera's pace, on a shared machine
def test_parkinsons_protocol_runs_end_to_end_and_leaves_no_video(replay, tmp_path):
    from kiosk.config import KioskConfig
    cfg = KioskConfig()
    cfg = cfg.model_copy(update={"camera": cfg.camera.model_copy(update={"fps": 60})})   # replay reads fast
    state = tmp_path / "state"
    shots = tmp_path / "shots"
    shots.mkdir()
    app, drv = make_app(replay, state, config=cfg)
    try:
        drv.tap("start")
        drv.enter_pin("1234")
        drv.tap("new_patient")
        drv.type_text("P0017")
        drv.tap("field:Name (optional)")
        drv.type_text("ARTHUR")
        drv.tap("save_patient")
        assert app.current.name == "session"
        drv.run_until(lambda: app.analysis.latest() is not None, dt_s=1 / 30)
        assert app.target("protocol:palsy").kind == "primary"                  # the default
        assert "This takes about 4 minutes. Copy the picture and follow the words." in " ".join(drv.texts())
        drv.tap("protocol:parkinson")
        drv.frame()
        assert app.target("protocol:parkinson").kind == "primary" and app.target("protocol:palsy").kind != "primary"
        assert "about 8 minutes" in " ".join(drv.texts())
        _shoot(app, shots / "protocol_choice.png")
        drv.tap("session_start")
        r = _runner(app)
        assert r.protocol == "parkinson" and r.state.pending == PROTOCOLS["parkinson"]

        seen: dict[str, set[str]] = {}
        checked: dict[str, object] = {}
        t_end = time.monotonic() + 1500
        while app.current.name != "results" and not app.screens["session"].error:
            assert time.monotonic() < t_end, "the session did not end"
            s = r.state
            assert s.phase not in ("retry_wait", "aborted", "device_wait"), (s.phase, s.pending[:1], s.message)
            if s.phase == "capture" and r.recorder is not None:        # follow the camera's clock
                target = s.phase_started_s + r.recorder.span_s + 0.05
                drv.frame(dt_s=max(0.0, min(0.5, target - drv.t)))
                time.sleep(0.02)
            elif s.phase == "check":             # the analysis thread's pace, not the fake clock's, on a busy machine
                drv.frame(dt_s=0.02)
                time.sleep(0.02)
            else:
                drv.frame(dt_s=0.25)
                time.sleep(0.01)
            s = r.state
            if s.current is None or s.phase not in ("instruct", "capture"):
                continue
            name, left = s.current.name, s.seconds_left
            texts = " ".join(drv.texts())
            seen.setdefault(name, set()).update(t for t in ("Keep still", "Keep talking", "Get ready") if t in texts)
            shot = {"sit_still": 9.0, "spontaneous": 12.0, "hands_up": 7.0, "hands_lap": 7.0}.get(name)
            if s.phase == "capture" and shot is not None and left < shot and name not in checked:
                assert f"{int(np.ceil(left))} s" in drv.texts()               # the remaining time, large
                _shoot(app, shots / f"{name}.png")
                folder = r.capture_dir
                assert folder.parent == state / "capture" and stat.S_IMODE(folder.stat().st_mode) == 0o700
                checked[name] = sorted(p.name for p in folder.iterdir())
                if name == "hands_lap":           # the earlier videos, as they lie in the private folder
                    for step in ("sit_still", "spontaneous", "hands_up"):
                        f = folder / f"{step}.avi"
                        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600
                        frames, fps = read_video(f, max_frames=2000)
                        kept = r.videos[step]       # what the recorder wrote and measured
                        assert len(frames) == kept.frames and fps == pytest.approx(kept.fps, abs=1e-3)
                        # the replay clip runs at 30 frames/s; frames dropped under load lower the mean rate
                        assert MIN_VIDEO_FPS <= fps <= 30.001
                        assert len(frames) / fps >= MIN_COVER * step_spec(step).capture_s
                        del frames
        assert app.screens["session"].error == ""
        outcomes = {o.name: (o.status, o.attempts) for o in r.state.outcomes}
        assert list(outcomes) == list(PROTOCOLS["parkinson"])
        assert all(v == ("ok", 1) for v in outcomes.values()), outcomes
        assert seen["sit_still"] >= {"Get ready", "Keep still"} and "Keep talking" in seen["spontaneous"]
        assert set(checked) == {"sit_still", "spontaneous", "hands_up", "hands_lap"}
        assert checked["hands_lap"] == ["hands_lap.avi", "hands_up.avi", "sit_still.avi", "spontaneous.avi"]

        assert r.capture_dir is None and not any((state / "capture").iterdir())   # deleted once stored
        with Store.open(state) as store:
            patient = store.find_patient("P0017")
            (session,) = store.sessions_for(patient.id)
        a = session.assessment
        assert a["protocol"] == "parkinson" and a["parkinson"] is not None
        # the jaw tremor planted in the replayed clip, found in the video the kiosk recorded
        tremor = {(t["site"], t["step"]): t for t in a["parkinson"]["tremor"]}
        jaw, head = tremor[("jaw", "sit_still")], tremor[("head", "sit_still")]
        assert jaw["detected"] and abs(jaw["frequency_hz"] - 5.5) < 0.4 and abs(jaw["amplitude_mm"] - 0.8) < 0.24
        assert not head["detected"]                           # sway and noise only
        assert not set(a["missing_steps"]) & set(PROTOCOLS["parkinson"]), a["missing_steps"]
        assert a["face"]["affected_side"] == "right"          # the palsy steps are still assessed
    finally:
        app.close()


def test_stopping_a_parkinsons_session_deletes_its_videos(replay, tmp_path):
    cfg_state = tmp_path / "state"
    app, drv = make_app(replay, cfg_state)
    try:
        app.patient = app.services.add_patient("P0018", None, None)
        app.go("session")
        drv.run_until(lambda: app.analysis.latest() is not None, dt_s=1 / 30)
        drv.tap("protocol:parkinson")
        drv.tap("session_start")
        r = _runner(app)
        drv.run_until(lambda: r.recorder is not None and r.recorder.frames > 5, dt_s=0.05, real_wait_s=0.05)
        folder = r.capture_dir
        drv.run_until(lambda: (folder / "sit_still.avi").is_file(), dt_s=0.0, real_wait_s=0.05)
        drv.tap("nurse")
        drv.enter_pin("1234")
        drv.tap("nurse:Stop the session")
        assert r.state.phase == "aborted" and not folder.exists() and r.recorder is None
        assert app.services.store().count("sessions") == 0
    finally:
        app.close()


def test_a_disk_too_small_for_the_videos_is_said_before_the_session_starts(replay, tmp_path):
    """Full disk: the storage needed for the videos is checked before step 1 (a camera of 8192 x 8192 px
    at 120 frames/s needs far more than any disk here); the nurse reads why, the palsy protocol is still
    offered, nothing is recorded or stored."""
    from kiosk.config import KioskConfig

    cfg = KioskConfig.model_validate({"camera": {"width": 8192, "height": 8192, "fps": 120}})
    app, drv = make_app(replay, tmp_path / "state", config=cfg)
    try:
        why = app.services.capture_space_problem("parkinson")
        assert why and "Not enough free storage" in why and "MB needed" in why
        assert app.services.capture_space_problem("palsy") is None           # no video steps
        app.patient = app.services.add_patient("P0019", None, None)
        app.go("session")
        drv.frame(2)
        drv.tap("protocol:parkinson")
        drv.tap("session_start")
        screen = app.screens["session"]
        assert _runner(app).state.phase == "idle"                          # the free MB may move meanwhile
        assert screen.space_msg.startswith("Not enough free storage") and why.split(" MB free")[1] in screen.space_msg
        drv.frame(2)
        _shoot(app, tmp_path / "no_space.png")                             # the message is drawn, nothing cut off
        assert not (tmp_path / "state" / "capture").exists() or not any((tmp_path / "state" / "capture").iterdir())
        drv.tap("protocol:palsy")
        assert screen.space_msg == ""
        assert app.services.store().count("sessions") == 0
    finally:
        app.close()
