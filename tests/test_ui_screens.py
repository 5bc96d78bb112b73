"""Every screen at 800x480 and 1280x720: rendered to PNG, touch targets >= 48 px and drawn,
texts on screen, and the key texts and numbers present; idle timeout, PIN, touch input."""
from __future__ import annotations

import re

import pygame
import pytest

from kiosk.config import KioskConfig
from kiosk.demo.showcase import VIEWS, recovery_assessment, show
from ui_helpers import check_drawn, make_app, make_session_dir

EXPECTED = {
    "attract": ["Nurse: start a session", "Clinician view", "Settings"],
    "pin": ["Staff PIN", "OK", "Delete"],
    "patient_search": ["Find the patient", "New patient", "P0042 Anna (1961)"],
    "patient_register": ["Clinic code", "P0107_", "JOHN", "195", "Save"],
    "session_welcome": ["Hello, Anna!", "Start"],
    "session_instruct": ["Step 1 of 13", "Get ready", "2", "Nurse"],
    "session_speech": ["Step 9 of 13", "Go!", "Microphone"],
    "session_retry": ["Please move closer", "Let's try again."],
    "session_device": ["Nurse", "No camera picture", "Please ask the nurse for help."],
    "session_nurse": ["Session paused", "Continue", "Skip this step", "Stop the session", "PIN -"],
    "session_working": ["Well done!", "Working out your results..."],
    "results": ["Your results, Anna", "Face movement", "79 / 100", "Improvement: 72 %", "25", "49", "53", "79",
                "Finish"],
    "results_first": ["Your results, Carl", "25 / 100"],
    "results_relapse": ["23 / 100", "Finish"],
    "clinician": ["P0042 – session 4 of 4", "Export PDF", "Live view", "Measures", "Grading", "History", "right",
                  "II", "79 (was 53)", "Brow (mm)", "Eye gentle (%)", "Right", "Left", "6.0", "7.5", "80", "100",
                  "Motor-speech imp. (MSII)", "/pataka/ (norm >= 5.4)"],
    "clinician_grading": ["Sunnybrook (est.)", "Vol 1-5", "Syn 0-3", "Forehead wrinkle", "Lip pucker",
                          "Vol x4 - rest x5 - syn = 80 - 0 - 1 = 79", "eFACE-style (100 = balanced)",
                          "Mouth corner: right 1.0 mm lower", "Tight: 2.0 / 0.0 mm"],
    "clinician_history": ["Composite 79", "Clarity 75", "Asymmetry % 20", "Wk 1", "Wk 4"],
    "clinician_relapse": ["P0043 – session 4 of 4", "Sunnybrook", "23 (was 53)"],
    "live": ["Live symmetry", "Brow", "Eyelids", "Mouth corner", "Nose, upper lip", "Set rest"],
    "settings": ["Settings", "Test microphone (3 s)", "60 px", "12 deg", "90 s"],
    "results_parkinson": ["Your results, Dora", "Today you did:", "Sitting still", "Hands resting", "Finish"],
    "clinician_parkinson": ["P0045 – session 3 of 3", "Parkinson's", "Tremor", "Face", "Blinks", "Speech", "Jaw",
                            "5.2 Hz", "0.65 mm", "4–6 Hz", "5–8 Hz"],
}


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    return make_session_dir(tmp_path_factory.mktemp("shots") / "session", speech=False)


@pytest.mark.parametrize("size", [(800, 480), (1280, 720)])
def test_every_view_renders_with_its_texts(replay, tmp_path, size):
    app, drv = make_app(replay, tmp_path / "state", size)
    try:
        for view in VIEWS:
            show(app, view, drv)
            drv.frame(2)
            check_drawn(app)
            texts = drv.texts()
            for want in EXPECTED[view]:
                assert want in texts, f"{view} at {size}: {want!r} not drawn; drew {texts}"
            out = tmp_path / f"{view}.png"
            pygame.image.save(app.surface, str(out))
            back = pygame.image.load(str(out))
            assert back.get_size() == size
            assert len({back.get_at((x, y))[:3] for x in range(0, size[0], 8) for y in range(0, size[1], 8)}) > 3
            gate = getattr(app.screens["session"], "_gate", None)
            if gate is not None:
                gate.set()
        # the clinician table shows the stored ratios of the latest session
        show(app, "clinician", drv)
        drv.frame()
        latest = app.services.sessions_for(app.patient.id)[-1].assessment
        for region in ("brow", "smile", "pucker"):
            assert f"{latest['face']['regions'][region]['ratio']:.2f}" in drv.texts()
    finally:
        app.close()


def test_recovery_numbers_shown_are_the_stored_ones():
    import random
    a0, a3 = recovery_assessment(0, random.Random(1)), recovery_assessment(3, random.Random(1))
    c0, c3 = a0["face"]["sunnybrook"]["composite"], a3["face"]["sunnybrook"]["composite"]
    assert (c0, c3) == (25, 79)
    assert round((c3 - c0) / (100 - c0) * 100) == 72      # "Improvement: 72 %" on the results screen
    sb = a3["face"]["sunnybrook"]                         # the showcase form adds up like the real one
    assert sb["voluntary"] - sb["resting"] - sb["synkinesis"] == c3


def test_relapse_shows_no_praise_no_negative_percent_and_flags_staff(replay, tmp_path):
    app, drv = make_app(replay, tmp_path / "state")
    try:
        show(app, "results_relapse", drv)
        drv.frame()
        shown = " ".join(drv.texts())
        assert "Today 23, first visit 25, last visit 53 (out of 100)." in shown
        assert "Please speak to the nurse before you leave." in shown
        assert "Well done" not in shown and "Improvement" not in shown and not re.search(r"-\s*\d", shown)
        show(app, "clinician_relapse", drv)
        drv.frame()
        shown = " ".join(drv.texts())
        assert "Decline flag: Composite dropped 30 points: 23 today, 53 at the previous session" in shown
        for tab in ("grading", "history"):                       # the flag stays on every tab
            drv.tap(f"tab:{tab}")
            assert "Decline flag:" in " ".join(drv.texts())
        assert "not a recovery course" in " ".join(drv.texts())   # the outlook says so too
        drv.tap("session:prev")                                  # the session before: no flag, its own date
        shown = " ".join(drv.texts())
        assert "session 3 of 4" in shown and "Decline flag" not in shown
        app.go("patient", next="clinician")
        drv.frame()
        drv.type_text("P0043")
        drv.frame()
        assert app.target("patient:P0043").kind == "danger"      # the nurse sees it when picking the patient
        shown = " ".join(drv.texts())
        assert "Red = score dropped. P0043: 30 points below the session of" in shown
        check_drawn(app)
    finally:
        app.close()


def test_idle_timeout_clears_patient_data(replay, tmp_path):
    app, drv = make_app(replay, tmp_path / "state")
    try:
        show(app, "results", drv)
        drv.frame()
        assert "Your results, Anna" in drv.texts()
        drv.frame(n=int(app.config.ui.results_timeout_s) - 5, dt_s=1.0)    # shorter than the idle timeout
        assert app.config.ui.results_timeout_s < app.config.ui.idle_timeout_s
        assert app.current.name == "results"
        drv.frame(n=10, dt_s=1.0)
        assert app.current.name == "attract"
        assert app.patient is None and app.result is None and app.screens["results"].history is None
        assert not any("Anna" in t or "79 / 100" in t for t in drv.texts())
        app.go("patient", next="session")
        drv.frame()
        assert "P00_" not in drv.texts() and app.screens["patient"].query.value == ""
    finally:
        app.close()


def test_pin_wrong_lockout_then_right(replay, tmp_path):
    app, drv = make_app(replay, tmp_path / "state")
    try:
        drv.tap("settings")
        for _ in range(4):
            drv.enter_pin("0000")
            assert "Wrong PIN. Please try again." in drv.texts() and app.current.name == "pin"
        drv.enter_pin("0000")
        assert any(t.startswith("Too many wrong PINs") for t in drv.texts())
        for d in "1234":
            drv.tap(f"pad:{d}")
        assert app.target("pad:ok").action is None            # locked: OK does nothing
        drv.tap("pad:ok")
        assert app.current.name == "pin"
        drv.frame(n=31, dt_s=1.0)
        drv.tap("pad:ok")
        assert app.current.name == "settings"
    finally:
        app.close()


def test_touch_and_mouse_input_count_once(replay, tmp_path):
    app, drv = make_app(replay, tmp_path / "state")
    try:
        app.go("patient", next="session")
        drv.frame()
        key = app.target("key:A").rect.center
        for t in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):   # SDL's mouse copy of a touch: ignored
            pygame.event.post(pygame.event.Event(t, pos=key, button=1, touch=True))
        drv.frame()
        assert app.screens["patient"].query.value == ""
        for t in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):   # a real mouse click
            pygame.event.post(pygame.event.Event(t, pos=key, button=1, touch=False))
        drv.frame()
        drv.tap("key:B")
        assert app.screens["patient"].query.value == "AB"
        # press on one key, release on another: nothing typed
        w, h = app.surface.get_size()
        c = app.target("key:C").rect.center
        pygame.event.post(pygame.event.Event(pygame.FINGERDOWN, x=key[0] / w, y=key[1] / h, dx=0, dy=0,
                                             touch_id=1, finger_id=0, pressure=1.0))
        pygame.event.post(pygame.event.Event(pygame.FINGERUP, x=c[0] / w, y=c[1] / h, dx=0, dy=0,
                                             touch_id=1, finger_id=0, pressure=1.0))
        drv.frame()
        assert app.screens["patient"].query.value == "AB"
    finally:
        app.close()


def test_registration_refuses_bad_input_with_a_message(replay, tmp_path):
    app, drv = make_app(replay, tmp_path / "state")
    try:
        app.services.add_patient("P0001", None, None)
        app.go("patient", next="session")
        drv.frame()
        drv.tap("new_patient")
        drv.type_text("P1")
        drv.tap("save_patient")
        assert "The clinic code needs at least 3 characters." in " ".join(drv.texts())
        drv.type_text("2")
        drv.tap("field:Birth year (optional)")
        drv.type_text("1850")
        drv.tap("save_patient")
        assert "Birth year must be between 1900" in " ".join(drv.texts())
        scr = app.screens["patient"]
        scr.fields[0].value, scr.fields[2].value = "P0001", ""
        drv.tap("save_patient")
        assert "already exists" in " ".join(drv.texts()) and app.current.name == "patient"
        assert app.services.store().count("patients") == 1
    finally:
        app.close()


def test_settings_apply_and_refuse_out_of_range(replay, tmp_path):
    app, drv = make_app(replay, tmp_path / "state")
    try:
        app.go("settings")
        drv.frame()
        for _ in range(3):
            drv.tap("max_retries:+")
        assert app.config.ui.max_retries == 5 and app.services.config.ui.max_retries == 5
        drv.tap("max_retries:+")                                    # 6 > le=5: refused
        assert app.config.ui.max_retries == 5
        assert "max_retries cannot be 6" in " ".join(drv.texts())
        drv.tap("mesh")
        assert app.config.ui.show_mesh is True
        drv.tap("min_interocular_px:+")
        assert app.config.vision.min_interocular_px == 65.0
        drv.tap("back")
        assert app.current.name == "attract" and app.camera is None    # vision restarts with new gate
    finally:
        app.close()


def test_clinician_export_and_patient_sheet_write_real_pdfs(replay, tmp_path):
    from pypdf import PdfReader
    app, drv = make_app(replay, tmp_path / "state")
    try:
        show(app, "clinician", drv)
        sid = app.services.sessions_for(app.patient.id)[-1].id
        drv.tap("export_pdf")
        assert "Making the PDF..." in drv.texts()
        drv.run_until(lambda: app.screens["clinician"].report_job is None, dt_s=0.05)
        drv.frame()
        pdf = tmp_path / "state" / "reports" / f"{sid}-clinician.pdf"
        shown = "".join(drv.texts()).replace(" ", "")
        assert f"Saved{pdf}" in shown                                # no printer configured: the path is shown
        text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
        assert "P0042" in text
        drv.tap("session:prev")                                      # any past session's PDF
        old = app.services.sessions_for(app.patient.id)[-2].id
        drv.tap("export_pdf")
        drv.run_until(lambda: app.screens["clinician"].report_job is None, dt_s=0.05)
        old_pdf = tmp_path / "state" / "reports" / f"{old}-clinician.pdf"
        assert old_pdf.is_file() and old_pdf != pdf
        show(app, "results", drv)
        assert app.target("print_patient") is None                  # no printer configured: no print button
        report = app.config.report.model_copy(update={"printer": "no-such-printer"})
        app.config = app.services.config = app.config.model_copy(update={"report": report})
        drv.frame()
        drv.tap("print_patient")
        drv.run_until(lambda: app.screens["results"].report_job is None, dt_s=0.05)
        drv.frame()
        shown = " ".join(drv.texts())
        assert "Your sheet could not be printed. Please ask the nurse." in shown and ".pdf" not in shown
        sheet = tmp_path / "state" / "reports" / f"{sid}-patient.pdf"
        assert sheet.is_file() and len(PdfReader(sheet).pages) >= 1
        assert [r.view for r in app.services.store().reports(sid)] == ["clinician", "patient"]
    finally:
        app.close()


def test_clinician_reaches_a_patient_and_the_live_view_by_touch(replay, tmp_path):
    app, drv = make_app(replay, tmp_path / "state")
    try:
        from kiosk.demo.showcase import seed_history
        patient, _ = seed_history(app.services)
        drv.tap("clinician")
        drv.enter_pin("1234")
        assert app.current.name == "patient"
        drv.type_text("ANN")
        drv.tap("patient:P0042")
        assert app.current.name == "clinician" and app.patient.id == patient.id
        assert "P0042 – session 4 of 4" in drv.texts()
        drv.tap("live")
        drv.run_until(lambda: bool(app.screens["live"].move), dt_s=1 / 30)
        drv.frame()
        check_drawn(app)
        assert "Movement from the rest frame (mm), patient's own sides." in " ".join(drv.texts())
        drv.tap("back")
        assert app.current.name == "clinician"
        drv.tap("back")
        assert app.current.name == "attract" and app.patient is None
    finally:
        app.close()


def test_nurse_pause_pin_shares_the_throttle_and_it_survives_a_restart(replay, tmp_path):
    """Issue 13 item 7: the pause screen's PIN used to be unthrottled, bypassing the lockout."""
    state = tmp_path / "state"
    app, drv = make_app(replay, state)
    try:
        nurse = app.screens["session"]
        for _ in range(5):                                   # five wrong PINs on the pause screen ...
            nurse.nurse_pin = "0000"
            nurse._nurse_check()
        assert nurse.nurse_msg.startswith("Too many wrong PINs") and not nurse.nurse_ok
        nurse.nurse_pin = "1234"
        nurse._nurse_check()
        assert not nurse.nurse_ok                            # ... lock the right PIN out there too
        drv.tap("settings")
        for d in "1234":
            drv.tap(f"pad:{d}")
        assert app.target("pad:ok").action is None           # ... and on the main PIN screen
        assert "Too many wrong PINs" in " ".join(drv.texts())
    finally:
        app.close()
    app, drv = make_app(replay, state)                       # restart: still locked
    try:
        drv.tap("settings")
        assert "Too many wrong PINs" in " ".join(drv.texts())
        drv.frame(n=31, dt_s=1.0)
        drv.enter_pin("1234")
        assert app.current.name == "settings"
    finally:
        app.close()


def test_provisioned_kiosk_without_pin_keeps_the_staff_screens_locked(replay, tmp_path):
    cfg = KioskConfig.model_validate({"device": {"provisioned": True}})
    app, drv = make_app(replay, tmp_path / "state", config=cfg)
    try:
        drv.tap("clinician")
        for d in "1234":
            drv.tap(f"pad:{d}")
        assert app.target("pad:ok").action is None
        assert "No staff PIN is set on this kiosk" in " ".join(drv.texts())
        assert app.current.name == "pin"
    finally:
        app.close()


@pytest.mark.parametrize("size", [(800, 480), (1280, 720)])
def test_every_notice_is_wrapped_inside_its_box(replay, tmp_path, size):
    """Each face-check prompt under the live picture, each retry message (face and speech gates),
    the device message and a long bottom notice: all drawn whole, none cut off or off screen."""
    from dataclasses import replace

    from kiosk.speech.quality import MESSAGES as SPEECH
    from kiosk.vision.quality import MESSAGES as FACE, verdict
    app, drv = make_app(replay, tmp_path / "state", size)
    try:
        show(app, "session_instruct", drv)
        real = app.analysis.latest()
        for code in FACE:
            if code == "ok":
                continue
            fake = replace(real, analysis=replace(real.analysis, quality=verdict(code)))
            app.analysis.latest = lambda fake=fake: fake
            drv.frame()
            check_drawn(app)
            shown = " ".join(drv.texts())
            assert all(word in shown for word in FACE[code].split()), (code, shown)
        del app.analysis.latest
        show(app, "session_retry", drv)
        r = app.screens["session"].runner
        for msg in [m for c, m in FACE.items() if c != "ok"] + [m for c, m in SPEECH.items() if c != "ok"]:
            r.state = replace(r.state, message=msg)
            drv.frame()
            check_drawn(app)
            assert all(word in " ".join(drv.texts()) for word in msg.split()), msg
        show(app, "session_device", drv)
        check_drawn(app)
        app.say("The PDF could not be made: " + "a very long reason with a path /var/lib/kiosk/reports/x " * 4, 10)
        drv.frame()
        check_drawn(app)
    finally:
        app.close()
