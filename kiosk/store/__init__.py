"""Local SQLite store (DESIGN.md section 7): schema, migrations, repositories."""
from kiosk.store.db import DatabaseBusy, DatabaseFull, DatabaseReadOnly, OpenReport, StoreError, open_database
from kiosk.store.records import (FaceMeasure, OutboxRow, Patient, ReportRecord, ScoreRecord, SessionRecord,
                                 SpeechMeasure, StepRecord)
from kiosk.store.repositories import Store

__all__ = ["DatabaseBusy", "DatabaseFull", "DatabaseReadOnly", "FaceMeasure", "OpenReport", "OutboxRow", "Patient", "ReportRecord", "ScoreRecord",
           "SessionRecord", "SpeechMeasure", "StepRecord", "Store", "StoreError", "open_database"]
