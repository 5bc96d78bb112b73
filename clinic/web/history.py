"""Stored summaries -> the patient's progress (kiosk.analytics) and the patient-list flags.

Pure functions: rows in, dataclasses out. The flags are screening aids for the clinician's
attention, not clinical judgements:

- **drop**: the Sunnybrook-style composite fell by at least :data:`DROP_POINTS` since the
  previous visit (a tenth of the 0..100 scale; a screening threshold, not a validated
  minimal important difference);
- **slow course**: at least :data:`EXPECTED_FIRST_RECOVERY_WEEKS` weeks since the first
  session and the composite has not risen since it, while below 100 (Peitersen 2002,
  2,500 Bell's palsies: 85 % show a first recovery within 3 weeks);
- **device silent**: the patient's last kiosk has sent nothing for :data:`SILENT_DAYS` days
  or more (its outbox may be holding sessions back).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Sequence

from kiosk.analytics import PatientHistory, history

DROP_POINTS = 10.0
EXPECTED_FIRST_RECOVERY_WEEKS = 3.0
SILENT_DAYS = 3.0
TREND_BAND = 3.0      # composite change (points) shown as a level arrow


@dataclass(frozen=True)
class StoredSession:
    """A stored summary in the shape ``kiosk.analytics`` reads (id, started_at, assessment)."""

    id: str
    device_id: str
    started_at: datetime
    received_at: datetime | None
    summary: dict[str, Any] = field(hash=False)
    raw: str = field(default="", repr=False)      # the JSON text exactly as received

    @property
    def assessment(self) -> dict[str, Any]:
        s = self.summary
        return {"face": s.get("facial") or {}, "speech": s.get("speech") or {},
                "missing_steps": s.get("missing_steps") or {}, "disclaimer": s.get("disclaimer"),
                "protocol": s.get("protocol", "palsy"), "parkinson": s.get("parkinson")}


def stored_sessions(rows: Sequence[dict[str, Any]]) -> list[StoredSession]:
    """Rows of :func:`clinic.web.queries.patient_sessions` -> sessions, oldest first."""
    from clinic.web.queries import as_datetime
    out = [StoredSession(r["session_id"], r["device_id"], as_datetime(r["started_at"]),
                         as_datetime(r.get("received_at")), json.loads(r["payload"]), r["payload"]) for r in rows]
    return sorted(out, key=lambda s: (s.started_at, s.id))


def patient_history(sessions: Sequence[StoredSession]) -> PatientHistory:
    return history(sessions)


def trend_arrow(latest: float | None, previous: float | None) -> tuple[str, str, str]:
    """(arrow, signed change, words) for the composite since the previous visit."""
    if latest is None or previous is None:
        return "", "", "no earlier value"
    d = latest - previous
    if d > TREND_BAND:
        return "↑", f"{d:+.0f}", f"up {d:.0f} points since the previous visit"
    if d < -TREND_BAND:
        return "↓", f"{d:+.0f}", f"down {-d:.0f} points since the previous visit"
    return "→", f"{d:+.0f}", f"level ({d:+.0f} points) since the previous visit"


def flags(*, latest: float | None, previous: float | None, first: float | None, first_at: datetime,
          last_at: datetime, device_last_contact: datetime | None, now: datetime) -> list[str]:
    """The patient-list flags (see the module docstring), as short texts."""
    out = []
    if latest is not None and previous is not None and previous - latest >= DROP_POINTS:
        out.append(f"drop of {previous - latest:.0f} points since the last visit")
    weeks = (last_at - first_at).total_seconds() / (7 * 86400)
    if (weeks >= EXPECTED_FIRST_RECOVERY_WEEKS and latest is not None and first is not None
            and latest <= first and latest < 100):
        out.append(f"no rise in the composite after {weeks:.0f} weeks")
    if device_last_contact is not None:
        days = (now - device_last_contact).total_seconds() / 86400
        if days >= SILENT_DAYS:
            out.append(f"kiosk silent for {days:.0f} days")
    return out
