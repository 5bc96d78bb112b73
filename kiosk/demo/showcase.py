"""Put every screen on the display in a known state: for scripts/screenshots.py and the UI tests.

``seed_history`` stores a patient with weekly sessions (contract-shaped assessments from
kiosk.demo.samples with a steady recovery laid over them: they show the screens, they are not
clinical data). ``show`` brings the app to one named view.
"""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from kiosk.protocol import CaptureResult, DeviceLost, Start, Tick, Verdict, transition
from kiosk.scoring.grades import hb_roman

VIEWS = ("attract", "pin", "patient_search", "patient_register", "session_welcome", "session_instruct",
         "session_speech", "session_retry", "session_device", "session_nurse", "session_working", "results",
         "clinician", "live", "settings")


def recovery_assessment(week: int, rng: random.Random) -> dict[str, Any]:
    """A contract-shaped assessment whose face composite and clarity rise week by week."""
    from kiosk.demo.samples import sample_assessment
    a = sample_assessment(rng)
    face, speech = a["face"], a["speech"]
    sb = face["sunnybrook"]
    sb["composite"] = 38 + 9 * week
    sb["voluntary"] = sb["composite"] + sb["resting"] + sb["synkinesis"]    # the form's own arithmetic
    face["affected_side"] = "right"
    face["severity_class"] = ("moderately severe", "moderate", "moderate", "mild", "mild")[min(week, 4)]
    grade = (4, 3, 3, 2, 2)[min(week, 4)]
    face["house_brackmann"].update(grade=grade, roman=hb_roman(grade))
    for name, reg in face["regions"].items():
        ratio = min(0.98, 0.45 + 0.1 * week + 0.02 * len(name) % 5 * 0.01)
        reg["ratio"], reg["weaker_side"] = round(ratio, 2), "right"
        if "left_mm" in reg:
            reg["left_mm"] = 7.5
            reg["right_mm"] = round(7.5 * ratio, 2)
        else:
            reg["left_closure"] = 1.0
            reg["right_closure"] = round(ratio, 2)
    speech["clarity_score"] = 60 + 5 * week
    speech["msii"] = 35 - 5 * week
    return a


def seed_history(services: Any, code: str = "P0042", name: str = "ANNA", weeks: int = 4) -> Any:
    """A patient with ``weeks`` weekly sessions, the last one today; returns (patient, last record)."""
    store = services.store()
    patient = store.find_patient(code)
    if patient is not None and store.sessions_for(patient.id):
        rec = store.sessions_for(patient.id)[-1]
        return patient, rec
    patient = patient or store.add_patient(code, name, 1961)
    rng = random.Random(7)
    now = datetime.now(timezone.utc)
    rec = None
    for w in range(weeks):
        at = now - timedelta(days=7 * (weeks - 1 - w), minutes=5)
        rec = store.save_session(patient.id, recovery_assessment(w, rng), started_at=at,
                                 ended_at=at + timedelta(minutes=4))
    return patient, rec


def show(app: Any, view: str, driver: Any) -> None:
    """Bring ``app`` to ``view`` (one of VIEWS); ``driver`` is a kiosk.ui.driver.Driver."""
    if view not in VIEWS:
        raise KeyError(f"unknown view {view!r}; views are {', '.join(VIEWS)}")
    app.home()
    app.audio.level_dbfs = -120.0
    if view == "attract":
        pass
    elif view == "pin":
        app.go("pin", next="session")
        app.screens["pin"].pin = "12"
    elif view.startswith("patient"):
        seed_history(app.services)
        app.go("patient", next="session")
        scr = app.screens["patient"]
        if view == "patient_search":
            scr.query.value = "P00"
        else:
            scr._to_register()
            scr.fields[0].value, scr.fields[1].value, scr.fields[2].value = "P0107", "JOHN", "195"
    elif view.startswith("session"):
        _show_session(app, view, driver)
    elif view in ("results", "clinician", "live"):
        patient, rec = seed_history(app.services)
        app.patient = patient
        if view == "results":
            app.result = (rec, rec.assessment)
        app.go("clinician" if view == "live" else view)
        if view == "live":
            app.go("live")
    elif view == "settings":
        app.go("settings")
    driver.run_until(lambda: _ready(app, view), dt_s=1 / 30, max_frames=600)
    driver.frame()


def _ready(app: Any, view: str) -> bool:
    """Camera views wait for an analysed frame (and the live view for its measures)."""
    if view.startswith("session") or view in ("live", "settings"):
        a = app.analysis.latest() if app.analysis else None
        if a is None:
            return False
        if view == "live":
            return bool(app.current.move)
    return True


def _show_session(app: Any, view: str, driver: Any) -> None:
    from kiosk.store import Patient
    app.patient = Patient("demo", "P0042", "ANNA", 1961, datetime.now(timezone.utc))
    app.go("session")
    scr = app.current
    r = scr.runner
    driver.run_until(lambda: _ready(app, view), dt_s=1 / 30, max_frames=600)
    if view == "session_welcome":
        return
    now = app.now_s
    s = transition(r.state, Start(now))
    if view == "session_speech":
        s = replace(s, pending=s.pending[8:], total_steps=13)       # /pa/ step, window open
        s = transition(transition(s, Tick(now + 3.0)), Tick(now + 4.4))   # past the silent lead-in: "Go!"
        app.audio.level_dbfs = -14.0
    elif view == "session_retry":
        s = transition(transition(s, Tick(now + 3.0)), Tick(now + 6.0))
        s = transition(s, CaptureResult(s.capture_id, Verdict(False, "too_far", "Please move closer")))
    elif view == "session_device":
        s = transition(s, DeviceLost("camera"))
        r.device_detail["camera"] = "The camera is not available (no frames from /dev/video0)."
    elif view == "session_instruct":
        s = transition(s, Tick(now + 1.2))
    r.state = s
    r._started_id = s.capture_id      # shown, not captured
    if view == "session_nurse":
        r.state = transition(r.state, Tick(now + 1.0))
        scr.open_nurse_menu()
    if view == "session_working":
        import threading

        from kiosk.session.workers import Job
        gate = threading.Event()
        r.job = Job(lambda: gate.wait(30), "showcase")
        scr._gate = gate
