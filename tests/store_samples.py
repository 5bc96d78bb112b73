"""Hand-made ``SessionAssessment.to_dict()`` shapes (docs/contracts.md) for store, analytics and report tests.

Values follow simple known rules so tests can compute expected answers by hand:
the affected side moves ``(1 - severity)`` times the healthy side.
"""
from __future__ import annotations

from typing import Any

HEALTHY_MM = {"brow": 8.0, "smile": 10.0, "snarl": 5.0, "pucker": 6.0}
VOLUNTARY = ("brow", "eye_gentle", "smile", "snarl", "pucker")
SYNKINESIS_STEPS = ("brow_raise", "eye_close_gentle", "smile", "snarl", "pucker")
_HB = [(0.1, 1, "I", "normal"), (0.3, 2, "II", "mild"), (0.5, 3, "III", "moderate"),
       (0.7, 4, "IV", "moderately severe"), (0.9, 5, "V", "severe"), (1.01, 6, "VI", "total")]


def _vol(ratio: float) -> int:
    return 1 if ratio < 0.2 else 2 if ratio < 0.4 else 3 if ratio < 0.65 else 4 if ratio < 0.9 else 5


def sample_assessment(severity: float, side: str = "left", *, clarity: float | None = 60.0,
                      msii: float | None = 40.0, pa_rate: float = 5.0, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """An assessment of a palsy of ``severity`` (0 none .. 1 total) on ``side``; ``drop`` removes steps."""
    other = "right" if side == "left" else "left"
    regions: dict[str, Any] = {}
    for name, mm in HEALTHY_MM.items():
        weak = round(mm * (1 - severity), 3)
        r = round(weak / mm, 4)
        regions[name] = {f"{side}_mm": weak, f"{other}_mm": mm, "ratio": r, "weaker_side": side}
    for name, full in (("eye_gentle", 1.0), ("eye_tight", 1.0)):
        weak = round(full * (1 - 0.8 * severity), 3)
        regions[name] = {f"{side}_closure": weak, f"{other}_closure": full, "ratio": round(weak / full, 4),
                         "weaker_side": side, f"{side}_lid_travel_mm": round(7.0 * weak, 3),
                         f"{other}_lid_travel_mm": 7.0}
    vol_items = [_vol(regions[k]["ratio"]) for k in ("brow", "eye_gentle", "smile", "snarl", "pucker")]
    resting = 1 if severity >= 0.5 else 0
    voluntary = sum(vol_items) * 4
    grade, roman, sev = next((g, rn, s) for cut, g, rn, s in _HB if severity < cut)
    for d in drop:
        regions.pop({"brow_raise": "brow", "eye_close_gentle": "eye_gentle"}.get(d, d), None)
    face_steps = {s: {"status": "ok", "reason": None, "frames_used": 10, "frames_rejected": 1}
                  for s in ("rest", "brow_raise", "eye_close_gentle", "eye_close_tight", "smile", "snarl", "pucker")
                  if s not in drop}
    return {
        "face": {
            "mm_per_px": 0.118, "regions": regions,
            "rest": {"brow_height_diff_mm": round(2 * severity, 2), "fissure_diff_mm": round(1.5 * severity, 2),
                     "commissure_height_diff_mm": round(3 * severity, 2), "alar_diff_mm": round(severity, 2)},
            "affected_side": side if severity >= 0.1 else "none", "affected_side_confidence": 0.9,
            "sunnybrook": {"resting": resting * 5, "voluntary": voluntary, "synkinesis": 0,
                           "composite": voluntary - resting * 5, "inputs": {
                               "voluntary_items": vol_items,
                               "voluntary_items_1_5": {k: v if k in regions else None
                                                       for k, v in zip(VOLUNTARY, vol_items)},
                               "voluntary_ratios": {k: regions.get(k, {}).get("ratio") for k in VOLUNTARY},
                               "resting_items": {"eye": 0, "cheek": 0, "mouth": resting},
                               "synkinesis_items_0_3": {s: 0 for s in SYNKINESIS_STEPS},
                               "synkinesis_side": side}},
            "eface": {"static": round(100 - 20 * severity, 1), "dynamic": round(100 - 80 * severity, 1),
                      "synkinesis": 100.0, "items": {}, "affected_side": side, "affected_side_assumed": False},
            # the affected side's mouth corner and brow sit lower at rest (superior positive)
            "rest_sides": {"brow_height_mm": {side: 20.0 - 2 * severity, other: 20.0},
                           "palpebral_fissure_mm": {side: 10.0, other: 10.0},
                           "commissure_vertical_mm": {side: 2.0 - 3 * severity, other: 2.0},
                           "alar_height_mm": {side: 5.0, other: 5.0}},
            "house_brackmann": {"grade": grade, "roman": roman, "score_of_8": 8 - grade, "rules_applied": [],
                                "inputs": {"brow_mm": regions.get("brow", {}).get(f"{side}_mm")}},
            "severity_class": sev, "steps": face_steps,
        },
        "speech": {
            "voice": {"mpt_s": 14.2, "f0_mean_hz": 118.0, "f0_sd_hz": 2.1, "jitter_local_pct": 0.4,
                      "shimmer_local_pct": 2.2, "hnr_db": 21.0, "cpps_db": 15.1},
            "ddk": {"pa": {"rate_sps": pa_rate, "cv_pct": 6.0, "n_syllables": 25},
                    "ta": {"rate_sps": 6.0, "cv_pct": 5.0, "n_syllables": 30},
                    "ka": {"rate_sps": 5.5, "cv_pct": 7.0, "n_syllables": 27},
                    "pataka": {"rate_sps": 5.8, "cv_pct": 8.0, "n_syllables": 29},
                    "pa_ta_ratio": round(pa_rate / 6.0, 3)},
            "intelligibility": {"phone_accuracy_pct": 88.0, "bilabial_accuracy_pct": 80.0, "speaking_rate_sps": 3.9},
            "clarity_score": clarity, "msii": msii, "inputs": {"norms": "test"},
            "steps": {"vowel": {"status": "ok", "reason": None}},
        },
        "missing_steps": {d: "no file" for d in drop},
        "disclaimer": "Decision support, not a diagnosis.",
    }
