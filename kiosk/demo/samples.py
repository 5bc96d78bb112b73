"""Contract-shaped session summaries for the sync tests and ``scripts/bench_sync.py``.

The values are random but plausible (seeded), shaped like ``SessionAssessment.to_dict()``
in docs/contracts.md. They exercise transport and storage only: they are not clinical
data and carry no meaning about any person.
"""
from __future__ import annotations

import random
import sqlite3
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from kiosk.scoring.grades import hb_roman
from wire.schema import SessionSummary, build_summary

_REGIONS_MM = ("brow", "smile", "snarl", "pucker")
_REGIONS_EYE = ("eye_gentle", "eye_tight")


def _region_mm(rng: random.Random) -> dict[str, Any]:
    left, right = rng.uniform(2, 9), rng.uniform(0.5, 9)
    return {"left_mm": round(left, 2), "right_mm": round(right, 2),
            "ratio": round(min(left, right) / max(left, right), 3),
            "weaker_side": "right" if right < left else "left"}


def _region_eye(rng: random.Random) -> dict[str, Any]:
    left, right = rng.uniform(0.6, 1.0), rng.uniform(0.3, 1.0)
    return {"left_closure": round(left, 3), "right_closure": round(right, 3),
            "ratio": round(min(left, right) / max(left, right), 3),
            "weaker_side": "right" if right < left else "left"}


def sample_assessment(rng: random.Random) -> dict[str, Any]:
    """A dict shaped like ``SessionAssessment.to_dict()`` with random measures."""
    regions: dict[str, Any] = {r: _region_mm(rng) for r in _REGIONS_MM}
    regions.update({r: _region_eye(rng) for r in _REGIONS_EYE})
    grade = rng.randint(1, 6)
    face = {
        "mm_per_px": round(rng.uniform(0.08, 0.2), 4), "regions": regions,
        "rest": {"brow_height_diff_mm": 0.4, "fissure_diff_mm": 0.3,
                 "commissure_height_diff_mm": round(rng.uniform(0, 3), 2), "alar_diff_mm": 0.2},
        "affected_side": rng.choice(["left", "right", "none"]), "affected_side_confidence": 0.8,
        "sunnybrook": {"resting": 5, "voluntary": 60, "synkinesis": 1, "composite": 54, "inputs": {}},
        "house_brackmann": {"grade": grade, "roman": hb_roman(grade),
                            "score_of_8": 5, "rules_applied": [], "inputs": {}},
        "severity_class": "moderate",
        "steps": {"smile": {"status": "ok", "reason": None, "frames_used": 12, "frames_rejected": 3}},
    }
    ddk = {s: {"rate_sps": round(rng.uniform(3, 7), 2), "cv_pct": 6.0, "n_syllables": 29}
           for s in ("pa", "ta", "ka", "pataka")}
    ddk["pa_ta_ratio"] = round(ddk["pa"]["rate_sps"] / ddk["ta"]["rate_sps"], 3)
    speech = {
        "voice": {"mpt_s": round(rng.uniform(5, 20), 1), "f0_mean_hz": 118.0, "f0_sd_hz": 2.1,
                  "jitter_local_pct": 0.4, "shimmer_local_pct": 2.2, "hnr_db": 21.0, "cpps_db": None},
        "ddk": ddk,
        "intelligibility": {"phone_accuracy_pct": 88.0, "bilabial_accuracy_pct": 80.0, "speaking_rate_sps": 3.9},
        "clarity_score": rng.randint(0, 100), "msii": rng.randint(0, 100), "inputs": {},
        "steps": {"vowel": {"status": "ok", "reason": None}},
    }
    return {"face": face, "speech": speech, "missing_steps": {},
            "disclaimer": "Decision support, not a diagnosis."}


def sample_summary(rng: random.Random, *, device_id: str = "kiosk-test",
                   patient_ref: str | None = None) -> SessionSummary:
    """One valid summary with a fresh random session id."""
    start = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=rng.randint(0, 500_000))
    return build_summary(
        session_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), device_id=device_id,
        patient_ref=patient_ref or f"P{rng.randint(1, 50):04d}", started_at=start,
        finished_at=start + timedelta(minutes=4), assessment=sample_assessment(rng),
        model_versions={"face_landmark.tflite": "1055cb9d"}, app_version="0.1.0")


def sample_pd_summary(rng: random.Random, *, device_id: str = "kiosk-test", patient_ref: str = "PD-0001",
                      severity: float | None = None) -> SessionSummary:
    """One valid schema-v2 summary: a Parkinson's-protocol session with a fresh random session id."""
    a = sample_assessment(rng)
    a["protocol"] = "parkinson"
    a["parkinson"] = sample_parkinson(rng, severity=rng.uniform(0, 1) if severity is None else severity)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=rng.randint(0, 500_000))
    return build_summary(
        session_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), device_id=device_id, patient_ref=patient_ref,
        started_at=start, finished_at=start + timedelta(minutes=9), assessment=a,
        model_versions={"face_landmark.tflite": "1055cb9d"}, app_version="0.2.0")


def queue_samples(device_db: Path, n: int, *, device_id: str, seed: int = 0) -> list[str]:
    """Enqueue ``n`` sample summaries in an existing device database's outbox (one transaction).

    Returns their session ids in outbox order."""
    from sync.outbox import enqueue

    rng = random.Random(seed)
    conn = sqlite3.connect(device_db)
    ids = []
    with conn:
        for _ in range(n):
            s = sample_summary(rng, device_id=device_id)
            enqueue(conn, s)
            ids.append(s.session_id)
    conn.close()
    return ids


def device_outbox(state_dir: Path, n: int, *, device_id: str, seed: int = 0) -> list[str]:
    """Open (or create, with the store's own migrations) ``state_dir/kiosk.db`` and queue ``n`` samples."""
    from kiosk.store.repositories import Store

    Store.open(state_dir, device_id=device_id).close()
    return queue_samples(Path(state_dir) / "kiosk.db", n, device_id=device_id, seed=seed)


def sample_parkinson(rng: random.Random, *, severity: float = 0.5) -> dict[str, Any]:
    """``ParkinsonSummary.to_dict()`` of a synthetic session, built through the real dataclasses
    (kiosk.analytics.parkinson): ``severity`` 0 (healthy) .. 1 (marked signs) scales jaw tremor,
    monopitch and reduced expression. Random but plausible; no person behind it."""
    from kiosk.analytics.parkinson import Measure, ParkinsonSummary, Reference, TremorFinding

    def ref(typical: float, sd: float, worse: str, source: str, provisional: bool = True) -> Reference:
        return Reference(typical, round(typical - 2 * sd, 3), round(typical + 2 * sd, 3), worse,  # type: ignore[arg-type]
                         source, provisional)

    s = severity
    jaw_mm = round(0.2 + 1.6 * s + rng.uniform(-0.1, 0.1), 3)
    tremor = (TremorFinding("head", "rest", "sit_still", s > 0.7, round(rng.uniform(4.2, 5.8), 2),
                            round(0.1 + 0.6 * s, 3)),
              TremorFinding("jaw", "rest", "sit_still", jaw_mm > 0.5, round(rng.uniform(4.5, 5.5), 2), jaw_mm),
              TremorFinding("hand_left", "rest", "hands_lap", None, reason="hands not in view"),
              TremorFinding("hand_right", "postural", "hands_up", False, round(rng.uniform(6, 8), 2), 0.2))
    expr = ref(9.0, 1.5, "low", "healthy range of the calibration faces")
    measures = [Measure(f"expression.smile.{side}", "expression", f"Smile excursion, {side}",
                        round(9.0 - 5.0 * s + rng.uniform(-0.4, 0.4), 3), "mm", "smile", expr)
                for side in ("left", "right")]
    measures += [
        Measure("expression.spontaneous_mm_s", "expression", "Spontaneous expressivity",
                round(3.0 - 2.0 * s + rng.uniform(-0.2, 0.2), 3), "mm/s", "spontaneous",
                ref(3.0, 0.6, "low", "healthy range of the calibration faces")),
        Measure("blink.rate_per_min", "blink", "Blink rate at rest", round(rng.uniform(8, 20), 1), "/min",
                "sit_still", ref(17.0, 5.0, "low", "provisional")),
        Measure("blink.duration_ms", "blink", "Blink duration", None, "ms", "sit_still", None,
                "eyes not tracked long enough"),
        Measure("speech.f0_sd_st", "speech", "Pitch variation (monopitch)",
                round(2.6 - 1.6 * s + rng.uniform(-0.15, 0.15), 3), "st", "spontaneous",
                ref(2.5, 0.35, "low", "direction: Rusz et al. 2011; value provisional")),
        Measure("speech.intensity_sd_db", "speech", "Loudness variation (monoloudness)",
                round(7.0 - 2.5 * s + rng.uniform(-0.3, 0.3), 3), "dB", "spontaneous",
                ref(7.0, 1.0, "low", "direction: Rusz et al. 2011; value provisional")),
        Measure("speech.pause_ratio_pct", "speech", "Pause ratio", round(15 + 10 * s, 1), "%", "spontaneous",
                ref(15.0, 4.0, "high", "provisional")),
        Measure("speech.ddk_rate_sps", "speech", "DDK rate /pataka/", round(6.2 - 1.5 * s, 2), "syll/s", "pataka",
                ref(6.2, 0.4, "low", "adult /pataka/ norm", provisional=False)),
    ]
    return ParkinsonSummary(tremor, tuple(measures), extra={"sit_still": {"frames": 600}}).to_dict()
