"""Repositories over the kiosk database, returning typed records.

``Store.save_session`` writes the session, its steps, measures, scores, the
outbox row (payload from ``wire.schema.build_summary``) and an audit entry in
ONE transaction: either all of it is on disk or none of it is.
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from kiosk.store.db import OpenReport, StoreError, as_store_error, open_database, utc_now
from kiosk.store.flatten import face_rows, score_rows, speech_rows, step_rows
from kiosk.store.records import (FaceMeasure, Patient, ReportRecord, ScoreRecord, SessionRecord,
                                 SpeechMeasure, StepRecord)
from sync.outbox import OutboxRow


def _ts(value: datetime | str | None) -> str | None:
    """UTC ISO-8601 text; naive datetimes are taken as UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Store:
    """The kiosk's local database. Open with ``Store.open(state_dir)``; close when done."""

    def __init__(self, db: sqlite_utils.Database, report: OpenReport, device_id: str = "kiosk-dev",
                 topic_root: str = "clinic") -> None:
        self.db = db
        self.open_report = report
        self.device_id = device_id
        self.topic_root = topic_root

    @classmethod
    def open(cls, state_dir: Path | str, *, device_id: str = "kiosk-dev", topic_root: str = "clinic",
             **open_options: Any) -> "Store":
        """Open the store; ``open_options`` go to :func:`kiosk.store.db.open_database` (busy timeout, retries)."""
        db, report = open_database(Path(state_dir), **open_options)
        return cls(db, report, device_id, topic_root)

    @classmethod
    def from_config(cls, config: Any, state_dir: Path | None = None) -> "Store":
        """Open the store in ``config.device.state_dir`` (or ``state_dir``) for ``config.device.device_id``."""
        return cls.open(state_dir or config.device.state_dir, device_id=config.device.device_id,
                        topic_root=config.sync.topic_root)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes ---------------------------------------------------------------------------------
    def _write(self, doing: str, fn: Any) -> Any:
        try:
            with self.db.atomic():
                return fn()
        except sqlite3.IntegrityError:
            raise
        except sqlite3.DatabaseError as e:
            raise as_store_error(e, doing) from e

    def audit(self, action: str, *, actor: str = "kiosk", entity: str | None = None,
              entity_id: str | None = None, details: dict[str, Any] | None = None) -> None:
        """Append to the audit log (inside the caller's transaction when there is one)."""
        self.db["audit_log"].insert({"id": str(uuid.uuid4()), "at": utc_now(), "actor": actor, "action": action,
                                     "entity": entity, "entity_id": entity_id,
                                     "details": json.dumps(details) if details else None})

    def add_patient(self, code: str, display_name: str | None = None, birth_year: int | None = None,
                    *, created_at: datetime | None = None) -> Patient:
        """Register a patient by clinic reference ``code`` (unique); raises StoreError for a bad field."""
        problem = patient_problem(code, display_name, birth_year)
        if problem:
            raise StoreError(f"patient not registered: {problem}")
        row = {"id": str(uuid.uuid4()), "code": code, "display_name": display_name, "birth_year": birth_year,
               "created_at": _ts(created_at) or utc_now()}

        def work() -> None:
            self.db["patients"].insert(row)
            self.audit("patient.create", entity="patient", entity_id=row["id"])
        try:
            self._write(f"registering patient {code}", work)
        except sqlite3.IntegrityError as e:
            raise StoreError(f"a patient with code {code!r} is already registered; nothing was changed") from e
        return self.get_patient(row["id"])

    def save_session(self, patient_id: str, assessment: dict[str, Any], *, started_at: datetime | str,
                     ended_at: datetime | str | None = None, model_versions: dict[str, str] | None = None,
                     software_version: str | None = None, session_id: str | None = None,
                     status: str = "complete") -> SessionRecord:
        """Store one assessed session with its rows and its outbox entry, atomically."""
        from kiosk import __version__
        from sync.outbox import enqueue
        from wire.schema import SchemaError, build_summary

        patient = self.get_patient(patient_id)
        sid = session_id or str(uuid.uuid4())
        started, ended = _ts(started_at), _ts(ended_at or started_at)
        versions = {str(k): str(v) for k, v in (model_versions or {}).items()}
        software = software_version or __version__
        decline = self._decline(patient_id, sid, _dt(started), assessment)
        try:
            summary = build_summary(session_id=sid, device_id=self.device_id, patient_ref=patient.code,
                                    started_at=started, finished_at=ended, assessment=assessment,
                                    model_versions=versions, app_version=software, decline=decline)
        except SchemaError as e:
            raise StoreError(f"Session not saved: the assessment does not have the agreed shape ({e.reason}). "
                             "Nothing was written.") from e

        def work() -> None:
            self.db["sessions"].insert({
                "id": sid, "patient_id": patient_id, "started_at": started, "ended_at": ended,
                "device_id": self.device_id, "status": status, "assessment_json": json.dumps(assessment),
                "created_at": utc_now(), "software_version": software, "model_versions_json": json.dumps(versions)})
            self._insert_rows("steps", step_rows(assessment), sid)
            self._insert_rows("face_measures", face_rows(assessment), sid)
            self._insert_rows("speech_measures", speech_rows(assessment), sid)
            scores = [dict(asdict(s), inputs_json=json.dumps(s.inputs) if s.inputs else None)
                      for s in score_rows(assessment)]
            for s in scores:
                s.pop("inputs")
            self._insert_dicts("scores", scores, sid)
            enqueue(self.db.conn, summary, topic_root=self.topic_root, created_at=utc_now())
            self.audit("session.save", entity="session", entity_id=sid)
        self._write(f"saving session {sid}", work)
        return self.get_session(sid)

    def _decline(self, patient_id: str, sid: str, started: datetime, assessment: dict[str, Any]) -> dict | None:
        """The decline flag for the clinic (kiosk.analytics.feedback): this session against the earlier ones."""
        from types import SimpleNamespace

        from kiosk.analytics import face_feedback
        from kiosk.analytics.progress import session_point
        earlier = [r for r in self.sessions_for(patient_id) if r.started_at < started]
        try:
            points = [session_point(r) for r in earlier]
            points.append(session_point(SimpleNamespace(id=sid, started_at=started, assessment=assessment)))
        except (AttributeError, TypeError, ValueError):     # wrong shape: build_summary says why
            return None
        flag = face_feedback(points).flag
        return flag.to_dict() if flag else None

    def _insert_rows(self, table: str, rows: list[Any], session_id: str) -> None:
        self._insert_dicts(table, [asdict(r) for r in rows], session_id)

    def _insert_dicts(self, table: str, rows: list[dict[str, Any]], session_id: str) -> None:
        for r in rows:
            r.update(id=str(uuid.uuid4()), session_id=session_id)
        if rows:
            self.db[table].insert_all(rows)

    def add_report(self, session_id: str, view: str, path: Path | str, printer: str | None = None) -> ReportRecord:
        """Record a written (and possibly printed) report."""
        row = {"id": str(uuid.uuid4()), "session_id": session_id, "view": view, "path": str(path),
               "created_at": utc_now(), "printer": printer}

        def work() -> None:
            self.db["reports"].insert(row)
            self.audit("report.create", entity="session", entity_id=session_id, details={"view": view})
        self._write(f"recording the {view} report", work)
        return ReportRecord(row["id"], session_id, view, row["path"], _dt(row["created_at"]), printer)

    # -- reads ----------------------------------------------------------------------------------
    def get_patient(self, patient_id: str) -> Patient:
        rows = list(self.db.query("SELECT * FROM patients WHERE id = ?", [patient_id]))
        if not rows:
            raise KeyError(f"no patient with id {patient_id}")
        return _patient(rows[0])

    def find_patient(self, code: str) -> Patient | None:
        rows = list(self.db.query("SELECT * FROM patients WHERE code = ?", [code]))
        return _patient(rows[0]) if rows else None

    def list_patients(self) -> list[Patient]:
        """Every registered patient, by code."""
        return [_patient(r) for r in self.db.query("SELECT * FROM patients ORDER BY code")]

    def search_patients(self, text: str, limit: int = 6) -> list[Patient]:
        """Patients whose code or display name contains ``text`` (case-insensitive), newest first."""
        like = f"%{text.strip()}%"
        return [_patient(r) for r in self.db.query(
            "SELECT * FROM patients WHERE code LIKE ? OR IFNULL(display_name, '') LIKE ? "
            "ORDER BY created_at DESC LIMIT ?", [like, like, limit])]

    def get_session(self, session_id: str) -> SessionRecord:
        rows = list(self.db.query("SELECT * FROM sessions WHERE id = ?", [session_id]))
        if not rows:
            raise KeyError(f"no session with id {session_id}")
        return _session(rows[0])

    def sessions_for(self, patient_id: str, protocol: str | None = None) -> list[SessionRecord]:
        """The patient's sessions, oldest first; only those of ``protocol`` ("palsy", "parkinson") if given."""
        rows = [_session(r) for r in self.db.query(
            "SELECT * FROM sessions WHERE patient_id = ? ORDER BY started_at, created_at", [patient_id])]
        return rows if protocol is None else [r for r in rows if r.protocol == protocol]

    def steps(self, session_id: str) -> list[StepRecord]:
        return [StepRecord(**{k: r[k] for k in StepRecord.__dataclass_fields__}) for r in self.db.query(
            "SELECT * FROM steps WHERE session_id = ? ORDER BY kind, step, attempt", [session_id])]

    def face_measures(self, session_id: str) -> list[FaceMeasure]:
        return [FaceMeasure(**{k: r[k] for k in FaceMeasure.__dataclass_fields__}) for r in self.db.query(
            "SELECT * FROM face_measures WHERE session_id = ? ORDER BY region, measure", [session_id])]

    def speech_measures(self, session_id: str) -> list[SpeechMeasure]:
        return [SpeechMeasure(**{k: r[k] for k in SpeechMeasure.__dataclass_fields__}) for r in self.db.query(
            "SELECT * FROM speech_measures WHERE session_id = ? ORDER BY task, measure", [session_id])]

    def scores(self, session_id: str) -> dict[str, ScoreRecord]:
        return {r["name"]: ScoreRecord(r["name"], r["value"], r["value_text"],
                                       json.loads(r["inputs_json"]) if r["inputs_json"] else None)
                for r in self.db.query("SELECT * FROM scores WHERE session_id = ?", [session_id])}

    def reports(self, session_id: str) -> list[ReportRecord]:
        return [ReportRecord(r["id"], r["session_id"], r["view"], r["path"], _dt(r["created_at"]), r["printer"])
                for r in self.db.query("SELECT * FROM reports WHERE session_id = ? ORDER BY created_at", [session_id])]

    def outbox(self, pending_only: bool = False) -> list[OutboxRow]:
        where = " WHERE acked_at IS NULL" if pending_only else ""
        return [OutboxRow(**r) for r in self.db.query(f"SELECT * FROM outbox{where} ORDER BY id")]

    def count(self, table: str) -> int:
        return self.db[table].count


MAX_CODE, MAX_NAME = 128, 200


def patient_problem(code: str, display_name: str | None, birth_year: int | None) -> str | None:
    """Why these patient fields cannot be stored (None when they can). Any printable text is allowed
    (reports escape it); control characters, surrounding spaces and absurd lengths or years are not."""
    if not isinstance(code, str) or not code or code != code.strip() or len(code) > MAX_CODE:
        return f"the code must be 1 to {MAX_CODE} characters without leading or trailing spaces"
    if not code.isprintable():
        return "the code contains control characters"
    if display_name is not None and (len(display_name) > MAX_NAME or not display_name.isprintable()):
        return f"the name must be at most {MAX_NAME} printable characters"
    this_year = datetime.now(timezone.utc).year
    if birth_year is not None and (isinstance(birth_year, bool) or not isinstance(birth_year, int)
                                   or not 1900 <= birth_year <= this_year):
        return f"the birth year must be between 1900 and {this_year}"
    return None


def _patient(r: dict[str, Any]) -> Patient:
    return Patient(r["id"], r["code"], r["display_name"], r["birth_year"], _dt(r["created_at"]))


def _session(r: dict[str, Any]) -> SessionRecord:
    return SessionRecord(id=r["id"], patient_id=r["patient_id"], started_at=_dt(r["started_at"]),
                         ended_at=_dt(r["ended_at"]), device_id=r["device_id"], status=r["status"],
                         software_version=r["software_version"],
                         model_versions=json.loads(r["model_versions_json"]),
                         assessment=json.loads(r["assessment_json"]))
