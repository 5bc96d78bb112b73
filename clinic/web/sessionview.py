"""What the patient page shows of each session: table rows and one session's grids (pure)."""
from __future__ import annotations

from typing import Any, Sequence

from kiosk.analytics import PatientHistory
from kiosk.reports.layout import fmt
from kiosk.reports.norms import REGION_LABELS, SPEECH_NORMS, hb_sunnybrook_note, side_text
from kiosk.scoring.grades import hb_roman

from clinic.web.exports import dig
from clinic.web.history import StoredSession

#: Sunnybrook form items (Ross 1996): resting symmetry (eye 0-1, cheek 0-2, mouth 0-1; sum x 5),
#: voluntary movement 1-5 per expression (sum x 4), synkinesis 0-3 per expression.
RESTING = (("eye", "Eye (palpebral fissure)", 1), ("cheek", "Cheek (nasolabial fold)", 2),
           ("mouth", "Mouth (corner)", 1))
VOLUNTARY = (("brow", "Forehead wrinkle"), ("eye_gentle", "Gentle eye closure"), ("smile", "Open-mouth smile"),
             ("snarl", "Snarl"), ("pucker", "Lip pucker"))
SYNKINESIS = (("brow_raise", "Forehead wrinkle"), ("eye_close_gentle", "Gentle eye closure"),
              ("smile", "Open-mouth smile"), ("snarl", "Snarl"), ("pucker", "Lip pucker"))


def session_rows(sessions: Sequence[StoredSession], hist: PatientHistory) -> list[dict[str, Any]]:
    """One row per session, newest first (date, device, composite, HB, asymmetry %, clarity, MSII)."""
    points = {p.session_id: p for p in hist.points}
    out = []
    for s in reversed(sessions):
        p = points.get(s.id)
        out.append({"id": s.id, "date": s.started_at, "device": s.device_id,
                    "composite": fmt(p.composite if p else None, 0),
                    "hb": hb_roman(p.hb_grade) if p and p.hb_grade else "–",
                    "severity": (p.severity_class if p else None) or "–",
                    "asymmetry": fmt(p.asymmetry_pct if p else None, 0, "%"),
                    "clarity": fmt(p.clarity if p else None, 0), "msii": fmt(p.msii if p else None, 0),
                    "missing": len(s.summary.get("missing_steps") or {}),
                    "parkinson": s.summary.get("protocol") == "parkinson"})
    return out


def _item(items: dict[str, Any], key: str) -> str:
    v = items.get(key) if isinstance(items, dict) else None
    return "–" if v is None else f"{v:g}" if isinstance(v, (int, float)) else str(v)


def session_detail(s: StoredSession) -> dict[str, Any]:
    """The Sunnybrook-style grid, House-Brackmann estimate, region measures and speech measures of one session."""
    face = s.summary.get("facial") or {}
    speech = s.summary.get("speech") or {}
    sb = face.get("sunnybrook") or {}
    inputs = sb.get("inputs") or {}
    hb = face.get("house_brackmann") or {}
    regions = face.get("regions") or {}
    region_rows = []
    for key, label in REGION_LABELS.items():
        m = regions.get(key) or {}
        if "left_closure" in m and m.get("left_closure") is not None:
            left, right, kind = fmt(m.get("left_closure"), 2), fmt(m.get("right_closure"), 2), "closure 0–1"
        else:
            left, right, kind = fmt(m.get("left_mm"), 1, "mm"), fmt(m.get("right_mm"), 1, "mm"), "excursion"
        region_rows.append({"label": label, "kind": kind, "left": left, "right": right,
                            "ratio": fmt(m.get("ratio"), 2), "weaker": side_text(m.get("weaker_side")),
                            "measured": bool(m)})
    speech_rows = []
    for label, path, unit, digits, norm, abnormal in SPEECH_NORMS:
        v = dig(speech, path)
        speech_rows.append({"label": label, "value": fmt(v, digits, unit), "norm": norm,
                            "flag": bool(isinstance(v, (int, float)) and abnormal and abnormal(v))})
    return {
        "id": s.id, "date": s.started_at, "device": s.device_id, "app_version": s.summary.get("app_version"),
        "model_versions": sorted((s.summary.get("model_versions") or {}).items()),
        "affected_side": side_text(face.get("affected_side")),
        "resting": [(label, _item(inputs.get("resting_items") or {}, k), mx) for k, label, mx in RESTING],
        "voluntary": [(label, _item(inputs.get("voluntary_items_1_5") or {}, k)) for k, label in VOLUNTARY],
        "synkinesis": [(label, _item(inputs.get("synkinesis_items_0_3") or {}, k)) for k, label in SYNKINESIS],
        "sb": {k: fmt(sb.get(k), 0) for k in ("resting", "voluntary", "synkinesis", "composite")},
        "sb_reason": sb.get("unavailable_reason"),
        "hb_roman": hb.get("roman") or "–", "hb_score": fmt(hb.get("score_of_8"), 1),
        "hb_rules": [str(r) for r in hb.get("rules_applied") or []],
        "severity": face.get("severity_class") or "–",
        "consistency": hb_sunnybrook_note(hb.get("grade"), sb.get("composite")),
        "regions": region_rows, "speech": speech_rows, "has_speech": bool(speech),
        "clarity": fmt(speech.get("clarity_score"), 0), "msii": fmt(speech.get("msii"), 0),
        "missing": sorted((s.summary.get("missing_steps") or {}).items()),
        "disclaimer": s.summary.get("disclaimer"),
    }
