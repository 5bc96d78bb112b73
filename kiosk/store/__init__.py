"""Local SQLite store (docs/architecture.md#storage): schema, migrations, repositories."""
from kiosk.store.db import DatabaseBusy, DatabaseFull, DatabaseReadOnly, OpenReport, StoreError, open_database
from kiosk.store.records import (FaceMeasure, Patient, ReportRecord, ScoreRecord, SessionRecord,
                                 SpeechMeasure, StepRecord)
from kiosk.store.repositories import Store
from sync.outbox import OutboxRow

__all__ = ["DatabaseBusy", "DatabaseFull", "DatabaseReadOnly", "FaceMeasure", "OpenReport", "OutboxRow", "Patient", "ReportRecord", "ScoreRecord",
           "SessionRecord", "SpeechMeasure", "StepRecord", "Store", "StoreError", "open_database"]
