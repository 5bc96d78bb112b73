"""A whole guided session through the real UI: posted touch events, fake clock, replay
camera and microphone from a synthetic session folder, results read back from SQLite."""
from __future__ import annotations

import pytest

from kiosk.store import Store
from ui_helpers import check_drawn, make_app, make_session_dir


@pytest.fixture(scope="module")
def session_dir(tmp_path_factory):
    return make_session_dir(tmp_path_factory.mktemp("replay") / "session")


def _state(app):
    r = app.screens["session"].runner
    return r.state if r is not None else None


def test_full_session_from_attract_to_results_lands_in_database(session_dir, tmp_path):
    app, drv = make_app(session_dir, tmp_path / "state")
    try:
        drv.tap("start")
        assert app.current.name == "pin"
        drv.enter_pin("1234")
        assert app.current.name == "patient"
        drv.tap("new_patient")
        drv.type_text("P0042")
        drv.tap("field:Name (optional)")
        drv.type_text("ANNA")
        drv.tap("save_patient")
        assert app.current.name == "session" and app.patient.code == "P0042"
        # unplug: the camera source for "smile" and the microphone source for /ka/ are missing
        (session_dir / "smile.png").rename(session_dir / "smile.off")
        (session_dir / "ddk_ka.wav").rename(session_dir / "ddk_ka.off")
        drv.run_until(lambda: app.analysis.latest() is not None, dt_s=1 / 30)
        assert "Hello, Anna!" in drv.texts()
        check_drawn(app)
        drv.tap("session_start")

        drv.run_until(lambda: _state(app).phase == "device_wait")
        assert _state(app).current.name == "smile"
        drv.frame()
        assert "The camera is not connected." in " ".join(drv.texts())
        assert "No camera picture" in drv.texts()
        check_drawn(app)
        drv.frame(n=50, dt_s=1.0)                      # waits as long as needed, no timeout
        assert _state(app).phase == "device_wait" and app.current.name == "session"
        (session_dir / "smile.off").rename(session_dir / "smile.png")     # plugged back in
        drv.run_until(lambda: _state(app).phase != "device_wait")
        assert _state(app).current.name == "smile" and _state(app).attempt == 1

        drv.run_until(lambda: _state(app).phase == "device_wait")
        assert _state(app).current.name == "ddk_ka"
        drv.frame()
        assert "The microphone is not connected." in " ".join(drv.texts())
        (session_dir / "ddk_ka.off").rename(session_dir / "ddk_ka.wav")
        drv.run_until(lambda: app.current.name == "results" or bool(app.screens["session"].error),
                      max_frames=6000)
        assert app.screens["session"].error == ""
        outcomes = {o.name: (o.status, o.attempts) for o in app.screens["session"].runner.state.outcomes}
        assert all(s == "ok" for s, _ in outcomes.values()), outcomes
        drv.frame()
        check_drawn(app)

        with Store.open(tmp_path / "state") as store:
            patient = store.find_patient("P0042")
            sessions = store.sessions_for(patient.id)
            assert len(sessions) == 1
            a = sessions[0].assessment
            assert [r.session_id for r in store.outbox()] == [sessions[0].id]
            assert {s.step for s in store.steps(sessions[0].id)} >= {"smile", "ddk_ka", "sentence"}
        assert a["missing_steps"] == {}
        assert a["face"]["affected_side"] == "right"               # the synthetic palsy side
        assert a["face"]["regions"]["smile"]["weaker_side"] == "right"
        composite, clarity = a["face"]["sunnybrook"]["composite"], a["speech"]["clarity_score"]
        texts = drv.texts()
        assert f"{composite:.0f} / 100" in texts and f"{clarity:.0f} / 100" in texts
        assert "Your results, Anna" in texts
        assert not (tmp_path / "state" / "peak_frames").exists()   # camera.store_peak_frames is off by default

        drv.tap("finish")
        assert app.current.name == "attract" and app.patient is None and app.result is None
    finally:
        for p in ("smile", "ddk_ka"):
            off = session_dir / f"{p}.off"
            if off.exists():
                off.rename(session_dir / (f"{p}.png" if p == "smile" else f"{p}.wav"))
        app.close()


def test_quality_prompt_retry_skip_and_abort_store_nothing(tmp_path):
    """A face too far away gets the vision gate's prompt and automatic retries; the nurse skips,
    the next step's camera source is missing, the nurse stops the session; nothing is stored."""
    import cv2

    from kiosk.demo.synthetic_face import Pose, SyntheticSpec, apply_pose, expression_image
    folder = tmp_path / "far"
    folder.mkdir()
    small = apply_pose(expression_image("rest", SyntheticSpec()), Pose(scale=0.4))
    cv2.imwrite(str(folder / "rest.png"), cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    app, drv = make_app(folder, tmp_path / "state", size=(1280, 720))
    try:
        app.patient = app.services.add_patient("P0099", None, None)
        app.go("session")
        drv.run_until(lambda: app.analysis.latest() is not None, dt_s=1 / 30)
        drv.tap("session_start")
        drv.run_until(lambda: _state(app).phase == "retry_wait")
        drv.frame()
        s = _state(app)
        assert s.attempt == 2 and s.message == app.analysis.latest().analysis.quality.message
        assert app.analysis.latest().analysis.quality.code == "too_far"
        assert s.message in " ".join(drv.texts()) and "Let's try again." in drv.texts()
        check_drawn(app)
        drv.tap("nurse")
        check_drawn(app)
        assert _state(app).phase == "paused" and "Session paused" in drv.texts()
        assert app.target("nurse:Skip this step").action is None           # locked until the staff PIN
        assert app.target("nurse") is None                                  # the overlay is modal
        drv.enter_pin("9999")
        assert "Wrong PIN. Please try again." in " ".join(drv.texts()) and app.target("nurse:Skip this step").action is None
        drv.enter_pin("1234")
        drv.tap("nurse:Skip this step")
        assert _state(app).outcome("rest").status == "skipped"
        drv.run_until(lambda: _state(app).phase == "device_wait")      # no brow_raise source
        drv.tap("nurse")
        drv.enter_pin("1234")
        drv.tap("nurse:Stop the session")
        assert _state(app).phase == "aborted"
        assert "Nothing from it was saved" in " ".join(drv.texts())
        drv.tap("aborted_home")
        assert app.current.name == "attract" and app.patient is None
        assert app.services.store().count("sessions") == 0
    finally:
        app.close()


def test_peak_frames_are_the_assessed_ones_and_stored_as_overlays(tmp_path, model_dir):
    """With camera.store_peak_frames on (consent), the frame the assessment chose for each step is
    saved as a landmark overlay where the clinician report finds it."""
    import cv2
    import numpy as np

    from kiosk.config import VisionConfig
    from kiosk.demo.synthetic_face import SyntheticSpec, make_session
    from kiosk.reports.data import peak_frame_dir
    from kiosk.reports.overlay import store_peak_overlays
    from kiosk.session.runner import peak_frames

    faces = make_session(SyntheticSpec("left", 0.5, symmetric=True), ("rest", "smile"))
    blank = np.zeros_like(faces["smile"])
    frames = {"rest": [faces["rest"]], "smile": [blank, faces["smile"], blank], "snarl": [blank]}
    assessment = {"face": {"steps": {"rest": {"peak_index": 0}, "smile": {"peak_index": 1},
                                     "snarl": {"peak_index": None}}}}
    peaks = peak_frames(frames, assessment)
    assert set(peaks) == {"rest", "smile"} and peaks["smile"] is frames["smile"][1]
    peaks["blank"] = blank                                  # no face: skipped, not an error
    n = store_peak_overlays(peaks, "sess-1", tmp_path, VisionConfig(model_dir=model_dir))
    assert n == 2
    out = peak_frame_dir(tmp_path, "sess-1")
    assert sorted(p.name for p in out.iterdir()) == ["rest.png", "smile.png"]
    img = cv2.imread(str(out / "smile.png"))
    assert img is not None and img.shape[0] > 100 and img.std() > 10
