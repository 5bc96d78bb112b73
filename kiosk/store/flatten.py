"""Pure functions that turn ``SessionAssessment.to_dict()`` into table rows.

The full assessment is also stored as JSON on the session row; these rows make
each measure queryable with its unit (``face_measures``, ``speech_measures``,
``scores``, ``steps``). A value that could not be measured stays ``None``.
"""
from __future__ import annotations

from typing import Any

from kiosk.protocol.steps import BY_NAME, SPEECH_STEPS
from kiosk.store.records import FaceMeasure, ScoreRecord, SpeechMeasure, StepRecord

_SUFFIX_UNITS = (("_mm", "mm"), ("_pct", "%"), ("_hz", "Hz"), ("_db", "dB"), ("_sps", "syll/s"), ("_s", "s"))
_DDK_TASKS = ("pa", "ta", "ka", "pataka")


def unit_of(key: str) -> str:
    """Unit from a key's suffix (``jitter_local_pct`` -> ``%``); ``"1"`` for a dimensionless value."""
    for suffix, unit in _SUFFIX_UNITS:
        if key.endswith(suffix):
            return unit
    return "1"


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def step_rows(assessment: dict[str, Any]) -> list[StepRecord]:
    """One row per attempt of each face and speech step; missing steps get status ``missing``."""
    rows: list[StepRecord] = []
    for kind in ("face", "speech"):
        part = assessment.get(kind) or {}
        for name, info in (part.get("steps") or {}).items():
            attempts = info.get("attempts") if isinstance(info.get("attempts"), list) else [info]
            for i, a in enumerate(attempts, start=1):
                rows.append(StepRecord(step=name, kind=kind, attempt=int(a.get("attempt", i)),
                                       status=str(a.get("status", "unknown")), reason=a.get("reason"),
                                       frames_used=a.get("frames_used"), frames_rejected=a.get("frames_rejected")))
    seen = {r.step for r in rows}
    for name, why in (assessment.get("missing_steps") or {}).items():
        if name not in seen:
            spec = BY_NAME.get(name)
            kind = spec.kind if spec is not None else "speech" if name in SPEECH_STEPS else "face"
            rows.append(StepRecord(step=name, kind=kind, attempt=1, status="missing", reason=str(why),
                                   frames_used=None, frames_rejected=None))
    return rows


def _region_measures(m: dict[str, Any]) -> list[tuple[str, Any, Any, str]]:
    """(measure, left, right, unit) for every ``left_X``/``right_X`` pair; the primary measure first."""
    names = {"mm": ("excursion_mm", "mm"), "closure": ("closure_fraction", "1")}
    found = []
    for key in m:
        if key.startswith("left_") and f"right_{key[5:]}" in m:
            x = key[5:]
            measure, unit = names.get(x, (x, unit_of(x)))
            found.append((measure, m[key], m[f"right_{x}"], unit))
    found.sort(key=lambda t: t[0] not in ("excursion_mm", "closure_fraction"))
    return found


def face_rows(assessment: dict[str, Any]) -> list[FaceMeasure]:
    """Per region: excursions (mm), closure fractions, lid travel (mm) with the region's ratio on the
    primary measure; and rest-frame left-right differences (mm)."""
    face = assessment.get("face") or {}
    rows: list[FaceMeasure] = []
    for region, m in (face.get("regions") or {}).items():
        if not m:
            continue
        for i, (measure, left, right, unit) in enumerate(_region_measures(m)):
            rows.append(FaceMeasure(region=region, measure=measure, left_value=_num(left), right_value=_num(right),
                                    value=None, unit=unit, ratio=_num(m.get("ratio")) if i == 0 else None,
                                    weaker_side=m.get("weaker_side") if i == 0 else None))
    for key, v in (face.get("rest") or {}).items():
        rows.append(FaceMeasure(region="rest", measure=key, left_value=None, right_value=None, value=_num(v),
                                unit=unit_of(key), ratio=None, weaker_side=None))
    return rows


def speech_rows(assessment: dict[str, Any]) -> list[SpeechMeasure]:
    """Voice (task ``vowel``), DDK (``ddk_<syllable>``) and intelligibility (``sentence``) measures."""
    speech = assessment.get("speech") or {}
    rows = [SpeechMeasure("vowel", k, _num(v), unit_of(k)) for k, v in (speech.get("voice") or {}).items()
            if not isinstance(v, (dict, list, str))]
    ddk = speech.get("ddk") or {}
    for task in _DDK_TASKS:
        for k, v in (ddk.get(task) or {}).items():
            if not isinstance(v, (dict, list, str)):
                rows.append(SpeechMeasure(f"ddk_{task}", k, _num(v), unit_of(k)))
    for k, v in ddk.items():
        if k not in _DDK_TASKS and not isinstance(v, (dict, list, str)):
            rows.append(SpeechMeasure("ddk", k, _num(v), unit_of(k)))
    rows += [SpeechMeasure("sentence", k, _num(v), unit_of(k))
             for k, v in (speech.get("intelligibility") or {}).items() if not isinstance(v, (dict, list, str))]
    return rows


def score_rows(assessment: dict[str, Any]) -> list[ScoreRecord]:
    """Scores with their inputs, so a clinician can see why (docs/metrics.md#scores-with-their-inputs)."""
    face = assessment.get("face") or {}
    speech = assessment.get("speech") or {}
    rows: list[ScoreRecord] = []
    sb = face.get("sunnybrook") or {}
    if sb:
        rows.append(ScoreRecord("sunnybrook_composite", _num(sb.get("composite")), None, sb.get("inputs")))
        rows += [ScoreRecord(f"sunnybrook_{p}", _num(sb.get(p)), None) for p in ("resting", "voluntary", "synkinesis")]
    hb = face.get("house_brackmann") or {}
    if hb:
        inputs = dict(hb.get("inputs") or {}, rules_applied=hb.get("rules_applied"), score_of_8=hb.get("score_of_8"))
        rows.append(ScoreRecord("house_brackmann_grade", _num(hb.get("grade")), hb.get("roman"), inputs))
    if face.get("severity_class") is not None:
        rows.append(ScoreRecord("severity_class", None, str(face["severity_class"])))
    if face.get("affected_side") is not None:
        rows.append(ScoreRecord("affected_side", _num(face.get("affected_side_confidence")),
                                str(face["affected_side"])))
    if speech:
        rows.append(ScoreRecord("clarity_score", _num(speech.get("clarity_score")), None, speech.get("inputs")))
        rows.append(ScoreRecord("msii", _num(speech.get("msii")), None))
    return rows
