"""The clinic store: SQLite for one clinic, PostgreSQL at scale, behind one interface
(:class:`ClinicStore`); :func:`open_clinic_store` picks the backend from a URL."""
from __future__ import annotations

from pathlib import Path

from clinic.store.base import ClinicStore


def open_clinic_store(url: str | Path) -> ClinicStore:
    """``postgresql://...`` -> PostgresClinicStore (clinic/store/postgres.py); anything else is a SQLite path
    (``sqlite:///abs/path`` also accepted)."""
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        from clinic.store.postgres import PostgresClinicStore
        return PostgresClinicStore(text)
    if text.startswith("sqlite://"):
        text = text[len("sqlite://"):]
    from clinic.store.sqlite import SqliteClinicStore
    return SqliteClinicStore(Path(text))


__all__ = ["ClinicStore", "open_clinic_store"]
