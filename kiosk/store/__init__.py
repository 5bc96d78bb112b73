"""Local SQLite store (docs/architecture.md#storage): schema, migrations, repositories."""
from kiosk.store.db import DatabaseFull, OpenReport, StoreError, open_database
from kiosk.store.records import (FaceMeasure, OutboxRow, Patient, ReportRecord, ScoreRecord, SessionRecord,
                                 SpeechMeasure, StepRecord)
from kiosk.store.repositories import Store

__all__ = ["DatabaseFull", "FaceMeasure", "OpenReport", "OutboxRow", "Patient", "ReportRecord", "ScoreRecord",
           "SessionRecord", "SpeechMeasure", "StepRecord", "Store", "StoreError", "open_database"]
