"""The face half of a session assessment as measurement maths: from the rest frame and each
expression's peak frame (face frames in mm, measures) to region symmetry, the affected side,
Sunnybrook-style items, the House-Brackmann estimate and eFACE items (docs/metrics.md).

No model runs here; :mod:`kiosk.session.face` runs the vision pipeline on the frames and
calls :func:`combine_face`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from kiosk.face import landmarks as L
from kiosk.face.metrics import FaceFrame, FrameMeasures, group_position_mm
from kiosk.face.mirror import MirrorRest
from kiosk.face.symmetry import (EYE_REGIONS, MOVEMENT_REGIONS, REGION_ORDER, RegionSymmetry, SideVerdict,
                                 affected_side, closure, excursion, tracking_inputs)
from kiosk.scoring import facial as scoring
from kiosk.scoring.eface import EFaceEstimate, eface

# Closure fraction (iris-model eye contour) at or above which an eye counts as closed.
# Calibrated on synthetic faces: a lid slid over 95-97 % of the fissure reads 0.75-0.97
# (the contour model never brings the lids fully together), an unmoved eye 0.0-0.05.
# The first design's 0.9 (docs/metrics.md#eye-closure) would call most healthy closures incomplete with this lid model.
COMPLETE_CLOSURE = 0.6

LOW_CONFIDENCE = "ok_low_confidence"
MEASURED = ("ok", LOW_CONFIDENCE)          # step statuses whose measures are used


@dataclass(frozen=True)
class StepResult:
    """What happened to one step, and why.

    status: "ok", "ok_low_confidence" (measured, but by a less precise route: ``reason`` says
    which, e.g. a peak frame of another size than rest, so optical flow could not refine the
    mesh), "missing" (no recording), "unusable" (no frame passed the quality gate) or
    "not_scored" (usable, but the rest frame or the scale it needs is missing).
    """

    status: str
    reason: str | None = None
    frames_used: int = 0
    frames_rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    peak_index: int | None = None
    frames_accepted_pitch_from_rest: int = 0

    def to_dict(self) -> dict:
        return {"status": self.status, "reason": self.reason, "frames_used": self.frames_used,
                "frames_rejected": self.frames_rejected, "rejected_by_reason": self.rejected_by_reason or None,
                "peak_index": self.peak_index,
                "frames_accepted_pitch_from_rest": self.frames_accepted_pitch_from_rest}


@dataclass(frozen=True)
class FacialAssessment:
    """All facial measures and score estimates of one session (see docs/contracts.md)."""

    mm_per_px: float | None
    regions: dict[str, RegionSymmetry]
    rest: scoring.RestAsymmetry | None
    side: SideVerdict | None
    sunnybrook: scoring.SunnybrookEstimate | None
    house_brackmann: scoring.HouseBrackmannEstimate | None
    steps: dict[str, StepResult]
    synkinesis: tuple[scoring.SynkinesisInput, ...] = ()
    eface: EFaceEstimate | None = None
    rest_mirror: MirrorRest | None = None
    rest_measures: FrameMeasures | None = None     # both sides at rest: which side is lower (signed)

    @property
    def severity_class(self) -> str | None:
        return scoring.severity_class(self.house_brackmann.grade if self.house_brackmann else None)

    def to_dict(self) -> dict:
        sb, hb = self.sunnybrook, self.house_brackmann
        return {
            "mm_per_px": None if self.mm_per_px is None else round(self.mm_per_px, 4),
            "regions": {k: self.regions[k].to_dict() for k in REGION_ORDER if k in self.regions},
            "rest": None if self.rest is None else {k: round(v, 2) for k, v in self.rest.numbers().items()},
            "rest_items": None if self.rest_mirror is None else self.rest_mirror.to_dict(),
            "affected_side": self.side.side if self.side else None,
            "affected_side_confidence": round(self.side.confidence, 2) if self.side else None,
            "affected_side_inputs": None if self.side is None else {
                "weighted_mean_ratio": _r(self.side.weighted_mean_ratio), "vote": round(self.side.vote, 3),
                "visibly_asymmetric_regions": list(self.side.asymmetric_regions),
                "regions_used": list(self.side.regions_used)},
            "sunnybrook": None if sb is None else {
                "resting": sb.resting, "voluntary": sb.voluntary, "synkinesis": sb.synkinesis,
                "composite": sb.composite, "unavailable_reason": sb.unavailable_reason, "inputs": sb.inputs,
                "what_it_is": "automated estimate of the Sunnybrook composite (0-100, 100 = normal) "
                              "from landmark geometry; not a clinician grading"},
            "house_brackmann": None if hb is None else {
                "grade": hb.grade, "roman": hb.roman, "score_of_8": hb.score_of_8,
                "rules_applied": list(hb.rules_applied), "unavailable_reason": hb.unavailable_reason,
                "inputs": hb.inputs,
                "what_it_is": "automated House-Brackmann estimate (I normal .. VI total) from brow and "
                              "commissure movement scaled by the healthy side; not a clinician grading"},
            "eface": self.eface.to_dict() if self.eface else None,
            "rest_sides": None if self.rest_measures is None else rest_sides(self.rest_measures),
            "severity_class": self.severity_class,
            "consistency": scoring.consistency(sb.composite if sb else None, hb.grade if hb else None),
            "steps": {k: v.to_dict() for k, v in self.steps.items()},
        }


def _r(v: float | None) -> float | None:
    return None if v is None else round(float(v), 3)


def combine_face(mm_per_px: float, rest_f: FaceFrame, rest_m: FrameMeasures, peaks: dict,
                 steps: dict[str, StepResult], rest_mirror: MirrorRest | None = None) -> FacialAssessment:
    """Region symmetry, affected side, resting items, synkinesis and the score estimates of a
    session, from the rest frame's measures and each expression's peak
    (step -> (face frame, measures, optical-flow result or the reason it was not used)).
    rest_mirror: resting items from mirror registration (kiosk.face.mirror); None = mesh only."""
    regions: dict[str, RegionSymmetry] = {}
    for region, (step, _) in MOVEMENT_REGIONS.items():
        if step in peaks:
            regions[region] = replace(excursion(rest_f, peaks[step][0], region),
                                      tracking=tracking_inputs(peaks[step][2], region))
    for region, step in EYE_REGIONS.items():
        if step in peaks:
            m = peaks[step][1]
            regions[region] = closure({s: rest_m.side(s).palpebral_fissure_mm for s in ("right", "left")},
                                      {s: m.side(s).palpebral_fissure_mm for s in ("right", "left")}, region)
    side = affected_side(regions)
    rest = rest_asymmetry(rest_m, rest_mirror)
    syn = tuple(synkinesis_inputs(rest_f, rest_m, peaks))
    sb = scoring.sunnybrook(regions, rest, list(syn), side)
    hb = scoring.house_brackmann(regions, rest, side, COMPLETE_CLOSURE)
    return FacialAssessment(mm_per_px, regions, rest, side, sb, hb, steps, syn,
                            eface_items(rest_m, regions, peaks, side), rest_mirror, rest_m)



def _pair(f, *args) -> tuple[float, float]:
    return (round(float(f("right", *args)), 3), round(float(f("left", *args)), 3))


def eface_items(rest_m: FrameMeasures, regions: dict[str, RegionSymmetry], peaks: dict,
                side: SideVerdict) -> EFaceEstimate:
    """eFACE-style items from the rest measures, region movements and mouth peaks."""
    static = {"brow_height": _pair(lambda s: rest_m.side(s).brow_height_mm),
              "palpebral_fissure": _pair(lambda s: rest_m.side(s).palpebral_fissure_mm),
              "commissure": _pair(lambda s: rest_m.side(s).commissure_distance_mm)}
    dynamic = {k: _pair(regions[k].movement) for k in ("brow", "eye_gentle", "eye_tight", "smile") if k in regions}
    ocular = {step: _pair(lambda s: peaks[step][1].side(s).palpebral_fissure_mm)
              for step in ("smile", "pucker") if step in peaks}
    return eface(static, dynamic, ocular, side.side, side.vote)


REST_SIDE_MEASURES = ("brow_height_mm", "palpebral_fissure_mm", "commissure_vertical_mm", "alar_height_mm")


def rest_sides(m: FrameMeasures) -> dict[str, dict[str, float]]:
    """Each side's position at rest (mm, superior / wider positive; kiosk.face.metrics.SideMeasures),
    so a reader sees which side is lower, not only by how much."""
    return {k: {s: round(float(getattr(m.side(s), k)), 2) for s in ("right", "left")} for k in REST_SIDE_MEASURES}


def rest_asymmetry(m: FrameMeasures, mirror: MirrorRest | None = None) -> scoring.RestAsymmetry:
    """Absolute left-right differences at rest (mm): brow, fissure, commissure and nasolabial
    fold from the mirror registration when given (no landmark prior), else from the mesh;
    the alar base always from the mesh."""
    alar = abs(m.left.alar_height_mm - m.right.alar_height_mm)
    if mirror is None:
        return scoring.RestAsymmetry(
            brow_height_diff_mm=abs(m.left.brow_height_mm - m.right.brow_height_mm),
            fissure_diff_mm=abs(m.left.palpebral_fissure_mm - m.right.palpebral_fissure_mm),
            commissure_height_diff_mm=abs(m.left.commissure_vertical_mm - m.right.commissure_vertical_mm),
            alar_diff_mm=alar)
    it = mirror.items
    names = {"brow": "brow", "fissure": "palpebral_fissure", "commissure": "commissure",
             "nasolabial": "nasolabial_fold"}
    return scoring.RestAsymmetry(
        brow_height_diff_mm=it["brow"].abs_mm, fissure_diff_mm=it["palpebral_fissure"].abs_mm,
        commissure_height_diff_mm=it["commissure"].abs_mm, alar_diff_mm=alar,
        nasolabial_diff_mm=it["nasolabial_fold"].abs_mm,
        lower_side={k: it[v].side for k, v in names.items()},
        confidence={k: it[v].confidence for k, v in names.items()})


def synkinesis_inputs(rest_f: FaceFrame, rest_m: FrameMeasures,
                      peaks: dict[str, tuple]) -> list[scoring.SynkinesisInput]:
    """Involuntary movement per Sunnybrook expression (mm per side).

    Mouth expressions: palpebral-fissure narrowing (rest - peak).  Brow raise and gentle
    eye closure: commissure displacement from rest.
    """
    out = []
    for step in ("brow_raise", "eye_close_gentle", "smile", "snarl", "pucker"):
        if step not in peaks:
            continue
        f, m = peaks[step][:2]
        if step in ("smile", "snarl", "pucker"):
            vals = {s: rest_m.side(s).palpebral_fissure_mm - m.side(s).palpebral_fissure_mm for s in ("right", "left")}
            measure = "fissure_narrowing_mm"
        else:
            g = (L.MOUTH_CORNER,)
            vals = {s: float(np.linalg.norm(group_position_mm(f, g, s) - group_position_mm(rest_f, g, s)))
                    for s in ("right", "left")}
            measure = "mouth_movement_mm"
        out.append(scoring.SynkinesisInput(step, measure, vals["right"], vals["left"]))
    return out
