"""The dashboard's Parkinson's screening views (pure): one session's section and the patient's trends.

Reads the schema-v2 section (docs/wire-format.md#parkinsons-section), the same record the kiosk's
screens and PDFs read (kiosk.analytics.parkinson). Screening measures of signs seen in Parkinson's
disease, with their healthy references; not a diagnosis.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from kiosk.reports.layout import fmt

from clinic.web.charts import ChartPoint, line_chart

SITES = {"head": "Head", "jaw": "Jaw", "hand_left": "Left hand", "hand_right": "Right hand"}
DOMAINS = (("expression", "Facial expression"), ("blink", "Blinks"), ("speech", "Speech"))
STATUS_TEXT = {"typical": "in range", "outside": "outside", "not_measured": "not measured"}


@dataclass(frozen=True)
class TrendKey:
    """A measure followed across sessions: its key in ``parkinson_measures``, label, unit, decimals."""

    key: str
    title: str
    unit: str
    digits: int
    better: str        # the good direction, as the chart says it


#: The key measures on the patient page (issue 17): monopitch, jaw and head tremor, expressivity.
TREND_KEYS = (
    TrendKey("speech.f0_sd_st", "Pitch variation (F0 SD)", "st", 1, "higher"),
    TrendKey("tremor.jaw.sit_still.amplitude_mm", "Jaw tremor at rest (amplitude)", "mm", 2, "lower"),
    TrendKey("tremor.head.sit_still.amplitude_mm", "Head tremor at rest (amplitude)", "mm", 2, "lower"),
    TrendKey("expression.spontaneous_mm_s", "Spontaneous expressivity", "mm/s", 1, "higher"),
)


def _range_text(ref: dict[str, Any] | None, unit: str) -> str:
    if not ref:
        return "no reference"
    return f"{ref['low']:g}–{ref['high']:g} {unit}"


def parkinson_detail(summary: dict[str, Any]) -> dict[str, Any] | None:
    """The Parkinson's section of one stored summary for the template, or None (palsy session)."""
    pd = summary.get("parkinson")
    if summary.get("protocol") != "parkinson" and not pd:
        return None
    if not pd:
        return {"tremor": [], "groups": [], "note": None, "empty": True, "outside": 0, "n": 0}
    tremor = [{"site": SITES.get(t["site"], t["site"]), "condition": t["condition"], "step": t["step"],
               "detected": {True: "yes", False: "no", None: "not measured"}[t["detected"]],
               "flag": bool(t["detected"]), "frequency": fmt(t["frequency_hz"], 1, "Hz"),
               "amplitude": fmt(t["amplitude_mm"], 2, "mm"), "reason": t.get("reason") or ""}
              for t in pd.get("tremor") or ()]
    groups = []
    for domain, title in DOMAINS:
        rows = []
        for m in pd.get("measures") or ():
            if m["domain"] != domain:
                continue
            ref = m.get("reference")
            digits = 0 if m["unit"] in ("ms", "%") else 2 if m["unit"] == "mm" else 1
            rows.append({"key": m["key"], "label": m["label"], "value": fmt(m["value"], digits, m["unit"]),
                         "range": _range_text(ref, m["unit"]),
                         "typical": "–" if not ref else f"{ref['typical']:g} {m['unit']}",
                         "source": ref["source"] if ref else "", "provisional": bool(ref and ref["provisional"]),
                         "status": m["status"], "status_text": STATUS_TEXT[m["status"]],
                         "reason": m.get("reason") or "", "step": m["step"]})
        if rows:
            groups.append({"title": title, "rows": rows})
    measures = pd.get("measures") or ()
    return {"tremor": tremor, "groups": groups, "note": pd.get("note"), "empty": False, "n": len(measures),
            "outside": sum(m["status"] == "outside" for m in measures)}


def _y_range(values: Sequence[float], ref: dict[str, Any] | None) -> tuple[float, float]:
    """From 0 to a round top above the values and the healthy range."""
    top = max([*values, *(([ref["high"]]) if ref else [])] or [1.0])
    step = 10 ** len(str(int(top))) / 10 if top >= 1 else 0.5
    return 0.0, max(step, -(-top * 1.15 // step) * step)


def trend_charts(rows: Sequence[dict[str, Any]], references: dict[str, dict[str, Any]],
                 first: datetime) -> list[str]:
    """SVG charts of :data:`TREND_KEYS` across the patient's Parkinson's sessions (one point per session).

    ``rows``: ``parkinson_measures`` rows (key, value, started_at as datetime), oldest first;
    ``references``: key -> the healthy reference of the latest session (shaded band)."""
    out = []
    for i, k in enumerate(TREND_KEYS):
        pts = [ChartPoint((r["started_at"] - first).total_seconds() / (7 * 86400), float(r["value"]),
                          r["started_at"].strftime("%d %b %y"))
               for r in rows if r["key"] == k.key and r["value"] is not None]
        ref = references.get(k.key)
        band = None if not ref else (ref["low"], ref["high"], f"healthy {ref['low']:g}–{ref['high']:g} {k.unit}"
                                     + (" (provisional)" if ref.get("provisional") else ""))
        out.append(line_chart(pts, title=k.title, unit=k.unit, y_range=_y_range([p.y for p in pts], ref),
                              css=f"c{i % 3 + 1}", better=k.better, band=band, digits=k.digits,
                              x_title="Parkinson's-protocol sessions (date)"))
    return out
