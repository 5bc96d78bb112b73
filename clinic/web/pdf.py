"""The clinician PDF on the clinic server, built by the kiosk's own report code from stored summaries.

:func:`kiosk.reports.clinician.build_clinician_pdf` reads a :class:`kiosk.reports.data.ReportData`;
here it is assembled from the received summaries instead of the kiosk database: the patient
is known only by the clinic reference, the step verdicts come from the summary's ``steps``
(frame counts per attempt and peak-frame images stay on the kiosk), and the history is
every visible session of the patient up to the reported one.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Sequence

from kiosk.reports.clinician import build_clinician_pdf
from kiosk.reports.data import ReportData
from kiosk.store.records import Patient, SessionRecord, StepRecord

from clinic.web.history import StoredSession, patient_history

SOURCE_NOTE = {"report source": "clinic server, from the received summary (frames and attempts stay on the kiosk)"}


def _steps(s: StoredSession) -> tuple[StepRecord, ...]:
    out = []
    for kind, part in (("face", "facial"), ("speech", "speech")):
        for step, info in ((s.summary.get(part) or {}).get("steps") or {}).items():
            info = info or {}
            out.append(StepRecord(step, kind, 1, str(info.get("status") or "unknown"), info.get("reason"),
                                  info.get("frames_used"), info.get("frames_rejected")))
    for step, why in (s.summary.get("missing_steps") or {}).items():
        if not any(st.step == step for st in out):
            out.append(StepRecord(step, "face", 1, "missing", str(why), None, None))
    return tuple(out)


def _record(s: StoredSession, patient: Patient) -> SessionRecord:
    from clinic.web.queries import as_datetime
    return SessionRecord(id=s.id, patient_id=patient.id, started_at=s.started_at,
                         ended_at=as_datetime(s.summary.get("finished_at")), device_id=s.device_id, status="complete",
                         software_version=str(s.summary.get("app_version") or "?"),
                         model_versions=dict(s.summary.get("model_versions") or {}), assessment=s.assessment)


def report_data(sessions: Sequence[StoredSession], target: StoredSession, clinic_name: str) -> ReportData:
    """ReportData for ``target`` with the history of the patient's sessions up to it (the Parkinson's
    section's trend columns read the same sessions)."""
    earlier = [s for s in sessions if s.started_at <= target.started_at]
    first = sessions[0]
    patient = Patient(id=target.summary["patient_ref"], code=target.summary["patient_ref"], display_name=None,
                      birth_year=None, created_at=first.started_at)
    others = tuple(_record(s, patient) for s in earlier if s is not target)
    return ReportData(patient, _record(target, patient), _steps(target), patient_history(earlier), clinic_name,
                      sessions=others)


def clinician_pdf(sessions: Sequence[StoredSession], target: StoredSession, clinic_name: str) -> bytes:
    """The clinician PDF of one stored session, as bytes."""
    data = report_data(sessions, target, clinic_name)
    with tempfile.TemporaryDirectory(prefix="clinic-web-pdf-") as tmp:
        out = build_clinician_pdf(data, Path(tmp) / "report.pdf", SOURCE_NOTE)
        return out.read_bytes()
