"""`kiosk demo`: a synthetic patient over weekly sessions, in one of four courses.

* ``recovering`` (default): a LEFT-side palsy, severity falling evenly from 0.9 to 0.1;
* ``relapse``: the same palsy recovers (0.8 to 0.3) for all but the last session, then falls
  back to 0.85 in the last one: the results screen and sheets point the patient to the nurse
  and the clinician views and the clinic summary carry the decline flag;
* ``healthy``: a symmetric face (severity 0) every week;
* ``parkinson``: the Parkinson's protocol (docs/parkinson.md) on a patient whose signs grow over
  the weeks: a 5 Hz jaw tremor (0.5 to 0.9 mm) on a real face, monotone speech (F0 excursions
  scaled from 0.6 to 0.25 by Praat manipulation) and expressions reduced on both sides (0.3 to
  0.5); each week's session folder (kiosk.demo.parkinson_patient) is written under
  ``<out>/media`` (reused when the demo runs again) and assessed from its files.

For each week the synthetic face (kiosk.demo.synthetic_face) and synthesized speech (kiosk.demo.synthetic_speech) run through the real
assessment (kiosk.session.assess), are stored one week apart, then both PDFs are written for
the latest session and the outbox is synced to a local clinic receiver through a real
local Mosquitto (kiosk.demo.loopback). Everything runs offline.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

SIDE = "left"
SPEECH_SR_HZ = 16000
CLIP_FRAMES = 9        # rest -> peak -> rest per expression, as the kiosk camera records it


@dataclass(frozen=True)
class WeekResult:
    week: int
    session_id: str
    severity_true: float          # synthetic ground truth, 0 = healthy .. 1 = no movement
    affected_side: str | None
    composite: float | None
    hb_roman: str | None
    clarity: float | None
    jaw_tremor_hz: float | None = None      # parkinson scenario: jaw rest tremor found (Hz, mm) ...
    jaw_tremor_mm: float | None = None
    f0_sd_st: float | None = None           # ... and the pitch variation (st) and measures outside their range
    outside: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoResult:
    scenario: str
    side: str
    out_dir: Path
    database: Path
    patient_code: str
    weeks: tuple[WeekResult, ...]
    clinician_pdf: Path
    patient_pdf: Path
    improvement_pct: float | None     # composite: share of the baseline deficit recovered
    asymmetry_reduction_pct: float | None
    sync_message: str
    synced: bool
    decline_flag: str | None = None   # staff text of the latest session's decline flag
    patient_told: str = ""            # what the results screen and sheet say (kiosk.analytics.feedback)

def severities(n: int, first: float = 0.9, last: float = 0.1) -> list[float]:
    """Evenly falling severities from ``first`` to ``last`` (one session: ``last``)."""
    if n == 1:
        return [last]
    return [round(first + (last - first) * i / (n - 1), 3) for i in range(n)]


SCENARIOS = ("recovering", "relapse", "healthy", "parkinson")
RELAPSE_SEVERITY = 0.85
PARKINSON_SESSIONS = 4     # the parkinson scenario's default number of weeks (each ~15 s of CPU, media cached)


def scenario_severities(scenario: str, n: int) -> tuple[str, list[float]]:
    """(affected side, true severity per weekly session) of a demo course; see the module docstring."""
    if scenario == "recovering":
        return SIDE, severities(n)
    if scenario == "relapse":
        return SIDE, (severities(n - 1, 0.8, 0.3) if n > 1 else []) + [RELAPSE_SEVERITY]
    if scenario == "healthy":
        return "none", [0.0] * n
    if scenario == "parkinson":
        return "both", [round(0.3 + 0.2 * i / max(n - 1, 1), 3) for i in range(n)]
    raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")


def assess_week(severity: float, seed: int, config: Any, side: str = SIDE) -> tuple[dict[str, Any], dict[str, Any]]:
    """Synthesize one session (faces and speech), run the real assessment; (assessment, peak frames)."""
    from kiosk.session.assess import assess_recordings
    from kiosk.demo.synthetic_face import SyntheticSpec, make_clip, make_session
    from kiosk.demo.synthetic_speech import synthesize_patient

    spec = SyntheticSpec(affected_side=side, severity=severity)
    faces = make_session(spec)                        # peak frames, for the overlays
    clips = {step: ([faces[step]] if step == "rest" else make_clip(step, spec, CLIP_FRAMES)) for step in faces}
    audio, _truth = synthesize_patient(severity, seed=seed)
    result = assess_recordings(clips,
                               {k: (x, SPEECH_SR_HZ) for k, x in audio.items()}, config)
    return result.to_dict(), faces


def parkinson_spec(severity: float, seed: int) -> Any:
    """The synthetic Parkinson's patient of one week: ``severity`` 0.3..0.5 (scenario_severities)
    sets the expression reduction and, along the same course, the jaw tremor and the monotony."""
    from kiosk.demo.parkinson_patient import ParkinsonSpec

    k = (severity - 0.3) / 0.2
    return ParkinsonSpec(jaw_hz=5.0, jaw_mm=round(0.5 + 0.4 * k, 2), f0_factor=round(0.6 - 0.35 * k, 2),
                         expression_reduction=severity, speech_severity=round(0.1 + 0.2 * k, 2), seed=seed)


def assess_parkinson_week(severity: float, seed: int, config: Any, media_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Write (or reuse) one week's Parkinson's session folder and assess it from its files; (assessment, peak frames)."""
    from kiosk.demo.parkinson_patient import make_session_folder
    from kiosk.demo.synthetic_face import SyntheticSpec, make_session
    from kiosk.session.assess import assess_session_dir

    folder = make_session_folder(media_dir, parkinson_spec(severity, seed))
    return (assess_session_dir(folder, config, "parkinson").to_dict(),
            make_session(SyntheticSpec(affected_side="both", severity=severity)))


def store_peak_overlays(faces: dict[str, Any], session_id: str, state_dir: Path, config: Any) -> int:
    """Overlays of four peak frames of the synthetic face (no consent needed); return how many."""
    from kiosk.reports.overlay import store_peak_overlays as store

    steps = ("rest", "brow_raise", "eye_close_tight", "smile")
    return store({s: faces[s] for s in steps}, session_id, state_dir, config.vision)


def _week_result(week: int, rec: Any, severity: float) -> WeekResult:
    face = rec.assessment.get("face") or {}
    speech = rec.assessment.get("speech") or {}
    pd = rec.assessment.get("parkinson") or {}
    jaw = next((t for t in pd.get("tremor", ()) if t["site"] == "jaw" and t["detected"]), {})
    f0 = next((m["value"] for m in pd.get("measures", ()) if m["key"] == "speech.f0_sd_st"), None)
    return WeekResult(week, rec.id, severity, face.get("affected_side"),
                      (face.get("sunnybrook") or {}).get("composite"),
                      (face.get("house_brackmann") or {}).get("roman"), speech.get("clarity_score"),
                      jaw.get("frequency_hz"), jaw.get("amplitude_mm"), f0,
                      tuple(m["key"] for m in pd.get("measures", ()) if m["status"] == "outside"))


def sync_outbox(database: Path, out_dir: Path, device_id: str, topic_root: str) -> tuple[bool, str]:
    """Drain the outbox into ``out_dir/clinic.db`` through a local Mosquitto; (done, message)."""
    try:
        from kiosk.demo.broker import BrokerError
        from kiosk.demo.loopback import run_local_sync
    except ImportError as e:
        return False, f"sync skipped: the sync helper is not available ({e})"
    try:
        r = run_local_sync(database, out_dir / "clinic.db", device_id=device_id, topic_root=topic_root,
                           timeout_s=60.0)
    except (BrokerError, OSError) as e:
        return False, f"sync skipped: could not run a local Mosquitto ({e})"
    ok = r.pending == 0
    return ok, (f"sync {'done' if ok else 'INCOMPLETE'}: {r.acked} acked, {r.pending} pending, {r.stored} new in the "
                f"clinic database ({r.clinic_total} total, {r.duplicates} duplicates) in {r.seconds:.1f} s "
                f"-> {out_dir / 'clinic.db'}")


def run_demo(out_dir: Path, config: Any, *, n_sessions: int = 6, scenario: str = "recovering",
             do_sync: bool = True, now: datetime | None = None, log: Callable[[str], None] = print) -> DemoResult:
    """Run the whole product on a synthetic patient following ``scenario``; return what was made."""
    from kiosk.analytics import face_feedback, history
    from kiosk.reports.delivery import write_report
    from kiosk.store import Store

    out_dir = Path(out_dir)
    now = now or datetime.now(timezone.utc).replace(microsecond=0)
    from kiosk.vision.models import model_versions
    versions = model_versions(config.vision.model_dir, config.vision.landmark_model)
    side, sevs = scenario_severities(scenario, n_sessions)
    with Store.from_config(config, out_dir) as store:
        if store.open_report.message:
            log(store.open_report.message)
        code = f"DEMO-{now:%Y%m%d-%H%M%S}"
        patient = store.add_patient(code, "Demo Patient (synthetic)", 1968)
        weeks = []
        for i, sev in enumerate(sevs):
            started = now - timedelta(weeks=n_sessions - 1 - i)
            what = {"none": "symmetric face", "both": f"Parkinson's signs, expressions reduced by {sev:.2f}"}.get(
                side, f"{side}-side palsy, severity {sev:.2f}")
            log(f"week {i + 1}/{n_sessions} ({scenario}): synthetic {what} - assessing ...")
            if scenario == "parkinson":
                assessment, faces = assess_parkinson_week(sev, seed=i, config=config, media_dir=out_dir / "media")
            else:
                assessment, faces = assess_week(sev, seed=i, config=config, side=side)
            rec = store.save_session(patient.id, assessment, started_at=started,
                                     ended_at=started + timedelta(minutes=4), model_versions=versions)
            weeks.append(_week_result(i + 1, rec, sev))
        latest = weeks[-1].session_id
        store_peak_overlays(faces, latest, out_dir, config)   # synthetic face: no consent needed
        clin = write_report(store, latest, "clinician", out_dir / "report-clinician.pdf", config, out_dir)
        pat = write_report(store, latest, "patient", out_dir / "report-patient.pdf", config, out_dir)
        hist = history(store.sessions_for(patient.id))
        last_assessment = store.get_session(latest).assessment
    synced, sync_msg = (False, "sync skipped: --no-sync") if not do_sync else \
        sync_outbox(out_dir / "kiosk.db", out_dir, config.device.device_id, config.sync.topic_root)
    imp = hist.improvement
    fb = face_feedback(hist.points)
    flag = fb.flag
    told = " ".join(t for t in (fb.comparison, fb.headline) if t)
    if scenario == "parkinson":                # the gentle words of the results screen and sheet
        from kiosk.analytics.parkinson_view import patient_lines
        told = " ".join(patient_lines(last_assessment))
    return DemoResult(scenario, side, out_dir, out_dir / "kiosk.db", code, tuple(weeks), clin.path, pat.path,
                      imp.composite.recovered_pct if imp else None, imp.asymmetry_reduction_pct if imp else None,
                      sync_msg, synced, flag.staff_text() if flag else None, told)


def summary_text(r: DemoResult) -> str:
    """The short summary `kiosk demo` prints."""
    def f(v: Any, d: int = 0) -> str:
        return "-" if v is None else f"{v:.{d}f}" if isinstance(v, (int, float)) else str(v)
    if r.scenario == "parkinson":
        lines = [f"Demo patient {r.patient_code} (parkinson): synthetic Parkinson's signs (5 Hz jaw tremor, "
                 f"monotone speech, reduced expressions), {len(r.weeks)} weekly sessions",
                 "week  expression reduction(true)  jaw tremor found  F0 SD (st)  composite/100  outside range"]
        for w in r.weeks:
            jaw = "none" if w.jaw_tremor_hz is None else f"{w.jaw_tremor_hz:.1f} Hz {w.jaw_tremor_mm:.2f} mm"
            lines.append(f"{w.week:>4}  {w.severity_true:>26.2f}  {jaw:>16}  {f(w.f0_sd_st, 2):>10}  "
                         f"{f(w.composite):>13}  {', '.join(w.outside) or '-'}")
    else:
        what = "symmetric face" if r.side == "none" else f"{r.side.upper()}-side palsy"
        lines = [f"Demo patient {r.patient_code} ({r.scenario}): synthetic {what}, {len(r.weeks)} weekly sessions",
                 "week  severity(true)  affected side  composite/100  HB est.  clarity/100"]
        for w in r.weeks:
            lines.append(f"{w.week:>4}  {w.severity_true:>14.2f}  {f(w.affected_side):>13}  {f(w.composite):>13}  "
                         f"{f(w.hb_roman):>7}  {f(w.clarity):>11}")
    if r.decline_flag:
        lines.append(f"DECLINE FLAG on the latest session: {r.decline_flag}")
    lines.append(f"The patient is told: {r.patient_told}")
    if r.improvement_pct is not None and r.improvement_pct > 0 and not r.decline_flag:
        lines.append(f"Improvement since week 1: {f(r.improvement_pct)} % of the baseline composite deficit "
                     f"recovered; side asymmetry reduced by {f(r.asymmetry_reduction_pct)} %")
    lines += [f"Database:        {r.database}", f"Clinician PDF:   {r.clinician_pdf}",
              f"Patient PDF:     {r.patient_pdf}", r.sync_message,
              "Automated estimates for decision support, not a diagnosis."]
    return "\n".join(lines)
