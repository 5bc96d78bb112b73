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
         "results_first", "results_relapse", "clinician", "clinician_grading", "clinician_history",
         "clinician_relapse", "live", "settings", "results_parkinson", "clinician_parkinson")
RELAPSE = ("P0043", "BERNADETTE-CHARLOTTE")    # recovers for three weeks, then drops clearly
PARKINSON = ("P0045", "DORA")                  # three Parkinson's sessions (kiosk.demo.parkinson_showcase)


# Showcase course per week: (symmetry ratio, resting items eye/cheek/mouth, synkinesis items per expression)
_COURSE = ((0.45, (1, 1, 1), (0, 0, 0, 0, 0)), (0.55, (0, 1, 1), (0, 0, 1, 0, 0)),
           (0.70, (0, 1, 0), (0, 0, 1, 0, 1)), (0.80, (0, 0, 0), (0, 0, 1, 0, 0)))
_RELAPSE = (0.35, (1, 1, 1), (0, 0, 1, 0, 1))


def recovery_assessment(week: int, rng: random.Random, course: tuple | None = None) -> dict[str, Any]:
    """A contract-shaped assessment whose face composite and clarity rise week by week; the Sunnybrook
    items follow the kiosk's rules (kiosk.scoring.facial) from the showcase ratios, so the form adds up."""
    from kiosk.demo.samples import sample_assessment
    from kiosk.scoring.facial import SYNKINESIS_MM_PER_POINT, VOLUNTARY_BANDS, VOLUNTARY_REGIONS
    ratio, rest_items, syn_items = course or _COURSE[min(week, len(_COURSE) - 1)]
    a = sample_assessment(rng)
    face, speech = a["face"], a["speech"]
    vol_item = next((pts for upper, pts in VOLUNTARY_BANDS if ratio < upper), 4)   # as voluntary_points
    voluntary, resting, synkinesis = 4 * vol_item * len(VOLUNTARY_REGIONS), 5 * sum(rest_items), sum(syn_items)
    steps = tuple(SYNKINESIS_MM_PER_POINT)
    face["sunnybrook"] = {
        "resting": resting, "voluntary": voluntary, "synkinesis": synkinesis,
        "composite": voluntary - resting - synkinesis, "unavailable_reason": None,
        "inputs": {"voluntary_items_1_5": {r: vol_item for r in VOLUNTARY_REGIONS},
                   "voluntary_ratios": {r: ratio for r in VOLUNTARY_REGIONS},
                   "resting_items": dict(zip(("eye", "cheek", "mouth"), rest_items)),
                   "rest_differences_mm": {"brow_height_diff_mm": 0.8, "fissure_diff_mm": 2.1 * rest_items[0],
                                           "commissure_height_diff_mm": 1.0 + 2.5 * rest_items[2],
                                           "alar_diff_mm": 0.5 + 2.0 * rest_items[1]},
                   "synkinesis_items_0_3": dict(zip(steps, syn_items)), "synkinesis_side": "right"}}
    face["eface"] = {"static": round(70 + 30 * ratio, 1), "dynamic": round(100 * ratio, 1),
                     "synkinesis": round(100 - 8 * synkinesis, 1), "items": {}, "affected_side": "right",
                     "affected_side_assumed": False}
    face["rest_sides"] = {"brow_height_mm": {"right": 19.2, "left": 20.0},
                          "palpebral_fissure_mm": {"right": 10.0 + 2.1 * rest_items[0], "left": 10.0},
                          "commissure_vertical_mm": {"right": 1.0 - 2.5 * rest_items[2], "left": 2.0},
                          "alar_height_mm": {"right": 5.0 - 2.0 * rest_items[1], "left": 5.5}}
    face["affected_side"] = "right"
    face["severity_class"] = "moderately severe" if ratio < 0.5 else "moderate" if ratio < 0.75 else "mild"
    grade = 4 if ratio < 0.5 else 3 if ratio < 0.75 else 2
    face["house_brackmann"].update(grade=grade, roman=hb_roman(grade))
    for name, reg in face["regions"].items():
        reg["ratio"], reg["weaker_side"] = round(ratio, 2), "right"
        if "left_mm" in reg:
            reg["left_mm"] = 7.5
            reg["right_mm"] = round(7.5 * ratio, 2)
        else:
            reg["left_closure"], reg["right_closure"] = 1.0, round(ratio, 2)
            reg["left_lid_travel_mm"], reg["right_lid_travel_mm"] = 10.0, round(10.0 * ratio, 2)
    speech["clarity_score"] = 60 + 5 * week
    speech["msii"] = 35 - 5 * week
    return a


def relapse_assessment(rng: random.Random) -> dict[str, Any]:
    """The relapse patient's last session: worse than the first visit."""
    return recovery_assessment(0, rng, _RELAPSE)


def seed_history(services: Any, code: str = "P0042", name: str = "ANNA", weeks: int = 4,
                 course: str = "recovering") -> Any:
    """A patient with ``weeks`` weekly sessions, the last one today; returns (patient, last record).
    ``course`` "relapse": the last session drops below the first (kiosk.analytics.feedback flags it);
    "parkinson": Parkinson's protocol sessions (kiosk.demo.parkinson_showcase)."""
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
        if course == "parkinson":
            from kiosk.demo.parkinson_showcase import showcase_assessment
            a = showcase_assessment(recovery_assessment(len(_COURSE) - 1, rng), w)
        else:
            a = relapse_assessment(rng) if course == "relapse" and w == weeks - 1 else recovery_assessment(w, rng)
        rec = store.save_session(patient.id, a, started_at=at, ended_at=at + timedelta(minutes=4))
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
    elif view.startswith(("results", "clinician")) or view == "live":
        if view.endswith("relapse"):
            patient, rec = seed_history(app.services, *RELAPSE, course="relapse")
        elif view.endswith("parkinson"):
            patient, rec = seed_history(app.services, *PARKINSON, weeks=3, course="parkinson")
        elif view.endswith("first"):
            patient, rec = seed_history(app.services, "P0044", "CARL", weeks=1)
        else:
            patient, rec = seed_history(app.services)
        app.patient = patient
        if view.startswith("results"):
            app.result = (rec, rec.assessment)
        app.go("results" if view.startswith("results") else "clinician")
        scr = app.current
        if view in ("clinician_grading", "clinician_history", "clinician_parkinson"):
            scr.tab = view.split("_")[1]
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
    if view == "session_speech":                  # /pa/ step, window open 1.5 s ago: past the lead-in, "Go!"
        s = replace(transition(r.state, Start(now - 4.5)), pending=s.pending[8:], total_steps=13)
        s = transition(s, Tick(now - 1.5))
        app.audio.level_dbfs = -14.0
    elif view == "session_retry":
        s = transition(transition(s, Tick(now + 3.0)), Tick(now + 6.0))
        s = transition(s, CaptureResult(s.capture_id, Verdict(False, "too_far", "Please move closer")))
    elif view == "session_device":
        s = transition(s, DeviceLost("camera"))
        r.device_detail["camera"] = "The camera is not available (no frames from /dev/video0)."
    elif view == "session_instruct":
        s = transition(s, Tick(now + 1.2))
    while not app.device_events.empty():    # device news from the views before is stale here
        app.device_events.get_nowait()
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
