"""Automated *estimates* of the Sunnybrook composite and the House-Brackmann grade.

These are decision-support estimates computed from 2D landmark geometry, not the
clinician-graded scales: they see only what a camera sees (no tone, no wrinkles, no
eye irritation, no patient history).  Every result carries the inputs that produced it.

Sunnybrook Facial Grading System (Ross, Fradet & Nedzelski 1996), point values of the
standard form:

* Resting symmetry (sum x 5), from the rest frame registered with its own mirror image
  (:mod:`kiosk.face.mirror`; no landmark prior): eye 0/1 (palpebral fissures differ by
  >= 2 mm, the eyelid observer threshold [Hohman14]); cheek 0..2 from the nasolabial fold's
  sag: < 2.5 mm 0, 2.5..5 mm 1, >= 5 mm 2; mouth 0/1 (commissure lower by >= 3 mm [Chu11]).
  An item counts only with a confidence >= REST_MIN_CONFIDENCE and, once movement has found
  an affected side, only when that side is the lower one (a healthy face's own asymmetry,
  0.5..2.3 mm [Coulson02], up to 3.5 mm on the five real faces of docs/validation.md, is
  not a palsy).
* Voluntary movement (sum x 4): brow raise, gentle eye closure, smile, snarl, pucker, each
  1..5 from the symmetry ratio in the House-Brackmann 1985 function bands, so that the two
  estimators agree where Kanerva 2011 says they do: < 0.25 -> 1, < 0.5 -> 2, < 0.75 -> 3,
  below "complete" -> 4, else 5.  "Complete" = ratio >= HB_NOISE_RATIO, or, when the
  movement found no affected side at all, ratio >= the region cut-off 0.75 (the face's own
  asymmetry; real healthy faces read region ratios down to 0.75-0.86).  With every item in
  one band the composite lands in the Kanerva range of the HB grade that band gives:
  ratio 0.26-0.5 -> 40 (IV: 26-43), 0.51-0.75 -> 60 (III: 43-62), 0.76-0.88 -> 80
  (II: 71-90), complete -> 100 (I).
* Synkinesis, 0..3 per expression: excess involuntary movement on the affected side over
  the healthy side: palpebral-fissure narrowing during smile and snarl (1 point per
  0.77 mm) and pucker (1 point per 1.0 mm) [Pavia13]; commissure movement during brow
  raise and gentle eye closure (1 point per 1.5 mm, the test-retest MDC95 of lip
  landmarks [Tanikawa18]).  A dead band (SYNKINESIS_DEADBAND) absorbs landmark noise.
* Composite = voluntary x 4 - resting x 5 - synkinesis (0..100; arithmetic minimum -15).

House-Brackmann 1985 measurement method [HB85], on the affected side: brow superior
movement and commissure lateral movement, scored against the healthy side (so a small face
or a small mover is not penalized): function = mean of the two sites' ratios, a site
counting 1.0 when complete (as above); score_of_8 = round(8 x function); grade from the
1985 function table: complete I, 76-99 % II, 51-75 % III, 26-50 % IV, below that V, and VI
below HB_VI_FUNCTION = 0.15 (a side that does not move at all reads 4-13 % with optical
flow on synthetic faces, so "barely perceptible" starts above that).  Then bounded by the
rules a camera can
check [Medscape]: incomplete eye closure -> IV or worse; no forehead movement -> IV or
worse; asymmetry at rest -> V or worse, applied only to a face already at IV (grades
II-IV have "normal symmetry and tone" at rest, so rest asymmetry is what separates IV from
V; a face that moves normally is not made V by its natural asymmetry) and only on the
affected side; and an affected side found (a visibly asymmetric
region) -> II or worse, since grade I means normal function everywhere.  Eye closure is
judged on forceful closure when recorded (HB III "closes completely with effort"),
else gentle closure; "incomplete" = the affected eye's closure fraction below the
calibrated COMPLETE_CLOSURE and a closure ratio below 0.75.

Resting items before the mirror registration came from the mesh, whose symmetric prior
hid them (a 6 mm synthetic sag read 0.4 mm); the mirror measure recovers 70-100 % of
3-6 mm droops on real faces (docs/validation.md#resting-asymmetry).

Measured side movement: peak positions come from optical flow (kiosk.face.flow), so a
paralysed brow or mouth corner reads 4-13 % of the healthy side on synthetic faces
(severity 1.0 -> HB VI, composite 20); with the mesh alone it read 45-75 % (HB IV,
composite 56).  Where the flow falls back to the mesh (recorded in each region's
``tracking``) the estimate drifts back toward IV.

Consistency: Sunnybrook composite per HB grade, middle 50 % of 5,397 gradings [Kan11]:
I 100, II 71-90, III 43-62, IV 26-43, V 13-25, VI 5-14.

References: Ross BG et al., Otolaryngol Head Neck Surg 1996;114:380-6.  House JW,
Brackmann DE, Otolaryngol Head Neck Surg 1985;93:146-7.  Kanerva M et al., Otolaryngol
Head Neck Surg 2011 (Kan11).  Pavia 2013 (Plast Reconstr Surg 132:1255).  Chu EA et al.
2011; Hohman MH et al. 2014; Coulson SE et al. 2002; Tanikawa C, Takada K 2018.
See docs/metrics.md#house-brackmann-estimate and docs/metrics.md#references.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from kiosk.face.symmetry import RATIO_REGION_MIN, RegionSymmetry, SideVerdict
from kiosk.scoring.grades import HB_ROMAN, KANERVA_2011, severity_class  # noqa: F401 (severity_class: part of this API)

# A brow or smile ratio at or above this is within landmark noise: lowest values on the
# mirrored symmetric synthetic faces over 12 poses were brow 0.903, smile 0.940 with
# optical-flow peak positions (mesh only: 0.965, 0.933); 0.02 below the lowest
# (kiosk.face.symmetry docstring; scripts/face_calibration.py).
HB_NOISE_RATIO = 0.88
VOLUNTARY_REGIONS = ("brow", "eye_gentle", "smile", "snarl", "pucker")
VOLUNTARY_BANDS = ((0.25, 1), (0.5, 2), (0.75, 3))
# HB 1985 function table (fraction of the healthy side) -> grade; VI below HB_VI_FUNCTION.
HB_FUNCTION_BANDS = ((0.76, 2), (0.51, 3), (0.26, 4))
HB_VI_FUNCTION = 0.15
SYNKINESIS_MM_PER_POINT = {"smile": 0.77, "snarl": 0.77, "pucker": 1.0, "brow_raise": 1.5, "eye_close_gentle": 1.5}
# Largest side difference seen on symmetric synthetic faces over 12 poses (no
# synkinesis): fissure narrowing 0.85 mm, mouth movement 0.70 mm with mesh peak
# positions; 0.29 mm and 0.80 mm with optical-flow peak positions; with the rounding of
# points these dead bands give 0 synkinesis points on all of them.
SYNKINESIS_DEADBAND = {"fissure_narrowing_mm": 0.8, "mouth_movement_mm": 1.0}


REST_MIN_CONFIDENCE = 0.3
REST_MM = {"fissure": 2.0, "commissure": 3.0, "brow": 3.0}
CHEEK_MM = (2.5, 5.0)


@dataclass(frozen=True)
class RestAsymmetry:
    """Absolute left-right differences in the rest frame (mm).

    lower_side: per item ("brow", "fissure", "commissure", "nasolabial") the lower (for the
    fissure: narrower) side; confidence: 0..1 per item; both empty when the differences
    come from the mesh alone (then every item counts, whatever its side).
    """

    brow_height_diff_mm: float
    fissure_diff_mm: float
    commissure_height_diff_mm: float
    alar_diff_mm: float
    nasolabial_diff_mm: float | None = None
    lower_side: dict[str, str] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)

    def numbers(self) -> dict[str, float]:
        """The differences (mm) by field name, None left out."""
        return {k: float(v) for k, v in self.__dict__.items() if isinstance(v, (int, float)) and v is not None}

    def counts(self, item: str, side: str | None = None) -> bool:
        """Whether an item may score: confident enough and, with a known affected ``side``,
        on that side (the fissure counts on either side: narrower or wider both score)."""
        if self.confidence.get(item, 1.0) < REST_MIN_CONFIDENCE:
            return False
        low = self.lower_side.get(item)
        return side not in ("left", "right") or low is None or item == "fissure" or low == side


@dataclass(frozen=True)
class SynkinesisInput:
    """Involuntary movement during one expression, per side (mm).

    measure: "fissure_narrowing_mm" (eye narrows during a mouth expression) or
    "mouth_movement_mm" (commissure moves during brow raise / eye closure).
    """

    step: str
    measure: str
    right_mm: float
    left_mm: float


@dataclass(frozen=True)
class SunnybrookEstimate:
    """Sunnybrook-style estimate; None parts are unavailable (a step was missing)."""

    resting: int | None
    voluntary: int | None
    synkinesis: int | None
    composite: int | None
    inputs: dict = field(default_factory=dict)
    unavailable_reason: str | None = None


@dataclass(frozen=True)
class HouseBrackmannEstimate:
    """House-Brackmann estimate I..VI with its /8 score and the rules that bounded it."""

    grade: int | None
    score_of_8: int | None
    rules_applied: tuple[str, ...]
    inputs: dict = field(default_factory=dict)
    unavailable_reason: str | None = None

    @property
    def roman(self) -> str | None:
        return HB_ROMAN.get(self.grade) if self.grade else None


def resting_points(rest: RestAsymmetry, side: str | None = None) -> dict[str, int]:
    """Sunnybrook resting items (eye 0/1, cheek 0..2, mouth 0/1) from rest differences.

    side: the affected side found from movement ("left"/"right"), or None / "none".
    Cheek: the nasolabial fold's sag when measured, else the alar base (mesh).
    """
    if rest.nasolabial_diff_mm is not None:
        a = rest.nasolabial_diff_mm if rest.counts("nasolabial", side) else 0.0
        cheek = 0 if a < CHEEK_MM[0] else (1 if a < CHEEK_MM[1] else 2)
    else:
        a = rest.alar_diff_mm
        cheek = 0 if a < 2.0 else (1 if a < 4.0 else 2)
    return {
        "eye": int(rest.fissure_diff_mm >= REST_MM["fissure"] and rest.counts("fissure", side)),
        "cheek": cheek,
        "mouth": int(rest.commissure_height_diff_mm >= REST_MM["commissure"] and rest.counts("commissure", side)),
    }


def asymmetric_at_rest(rest: RestAsymmetry, side: str | None = None) -> list[str]:
    """The resting items above their observer thresholds that may score (see RestAsymmetry.counts)."""
    vals = {"commissure": rest.commissure_height_diff_mm, "brow": rest.brow_height_diff_mm,
            "fissure": rest.fissure_diff_mm}
    return [k for k, v in vals.items() if v >= REST_MM[k] and rest.counts(k, side)]


def complete(region: RegionSymmetry, side: str | None = None) -> bool:
    """Movement as complete as the face's own asymmetry allows (see module docstring)."""
    if region.ratio is None:
        return False
    return region.ratio >= HB_NOISE_RATIO or (side not in ("left", "right") and region.ratio >= RATIO_REGION_MIN)


def voluntary_points(region: RegionSymmetry, side: str | None = None) -> int | None:
    """1..5 from the symmetry ratio (HB function bands); 5 when complete."""
    if region.ratio is None:
        return None
    if complete(region, side):
        return 5
    for upper, pts in VOLUNTARY_BANDS:
        if region.ratio < upper:
            return pts
    return 4


def synkinesis_points(item: SynkinesisInput, side: str) -> int:
    """0..3: excess movement on ``side`` over the other side, less the dead band."""
    mine, other = (item.right_mm, item.left_mm) if side == "right" else (item.left_mm, item.right_mm)
    excess = mine - other - SYNKINESIS_DEADBAND[item.measure]
    return int(min(3, max(0, math.floor(excess / SYNKINESIS_MM_PER_POINT[item.step] + 0.5))))


def _synkinesis_side(side: SideVerdict, items: list[SynkinesisInput]) -> str:
    if side.side in ("left", "right"):
        return side.side
    diff = sum(i.right_mm - i.left_mm for i in items)
    return "right" if diff > 0 else "left"


def sunnybrook(regions: dict[str, RegionSymmetry], rest: RestAsymmetry | None,
               synkinesis: list[SynkinesisInput], side: SideVerdict) -> SunnybrookEstimate:
    """Sunnybrook-style composite estimate (see module docstring for the rules)."""
    vol = {r: voluntary_points(regions[r], side.side) if r in regions else None for r in VOLUNTARY_REGIONS}
    syn_side = _synkinesis_side(side, synkinesis)
    syn = {i.step: synkinesis_points(i, syn_side) for i in synkinesis}
    rest_pts = resting_points(rest, side.side) if rest is not None else None
    inputs = {"voluntary_items_1_5": vol, "voluntary_ratios": {r: regions[r].ratio if r in regions else None
                                                              for r in VOLUNTARY_REGIONS},
              "resting_items": rest_pts, "rest_differences_mm": rest.numbers() if rest else None,
              "synkinesis_items_0_3": syn, "synkinesis_side": syn_side,
              "synkinesis_measures_mm": {i.step: {"measure": i.measure, "right": round(i.right_mm, 2),
                                                   "left": round(i.left_mm, 2)} for i in synkinesis}}
    missing = [r for r, v in vol.items() if v is None]
    resting = 5 * sum(rest_pts.values()) if rest_pts is not None else None
    voluntary = 4 * sum(vol.values()) if not missing else None  # type: ignore[arg-type]
    syn_total = sum(syn.values()) if len(syn) == 5 else None
    reason = None
    if missing or resting is None or syn_total is None:
        parts = [f"voluntary {', '.join(missing)} not measurable"] if missing else []
        parts += ["rest frame missing"] if resting is None else []
        parts += ["synkinesis needs all 5 expressions"] if syn_total is None else []
        reason = "; ".join(parts)
    composite = voluntary - resting - syn_total if reason is None else None  # type: ignore[operator]
    return SunnybrookEstimate(resting, voluntary, syn_total, composite, inputs, reason)


def hb_site_function(region: RegionSymmetry | None, side: str | None = None) -> float | None:
    """HB 1985 site function 0..1 (affected / healthy movement), 1.0 when complete."""
    if region is None or region.ratio is None:  # no measurable movement on either side: cannot scale
        return None
    return 1.0 if complete(region, side) else float(region.ratio)


def grade_from_function(function: float) -> int:
    """HB grade from the function fraction (HB 1985 table; see module docstring)."""
    if function >= 1.0:
        return 1
    for lower, grade in HB_FUNCTION_BANDS:
        if function >= lower:
            return grade
    return 5 if function >= HB_VI_FUNCTION else 6


def grade_from_score(score_of_8: int) -> int:
    """HB grade from the /8 score: 8 I, 7 II, 5-6 III, 3-4 IV, 1-2 V, 0 VI."""
    return {8: 1, 7: 2, 6: 3, 5: 3, 4: 4, 3: 4, 2: 5, 1: 5}.get(score_of_8, 6)


def house_brackmann(regions: dict[str, RegionSymmetry], rest: RestAsymmetry | None, side: SideVerdict,
                    complete_closure: float) -> HouseBrackmannEstimate:
    """House-Brackmann estimate (see module docstring).

    complete_closure: closure fraction (0..1) at or above which the affected eye counts
    as closed; calibrated for the lid model in use (kiosk.session.face).
    """
    brow, mouth = regions.get("brow"), regions.get("smile")
    eye = regions.get("eye_tight") or regions.get("eye_gentle")
    fn = {"brow": hb_site_function(brow, side.side), "commissure": hb_site_function(mouth, side.side)}
    inputs = {"site_function": {k: None if v is None else round(v, 3) for k, v in fn.items()},
              "affected_side": side.side,
              "brow_mm": brow.to_dict() if brow else None, "commissure_mm": mouth.to_dict() if mouth else None}
    if fn["brow"] is None or fn["commissure"] is None:
        return HouseBrackmannEstimate(None, None, (), inputs, "brow raise and smile must both be measurable")
    function = (fn["brow"] + fn["commissure"]) / 2
    inputs["function_percent"] = round(100 * function, 1)
    score = int(round(8 * function))
    grade = grade_from_function(function)
    rules: list[str] = []
    if side.side in ("left", "right") and grade == 1:
        rules.append("visible asymmetry found: II or worse")
        grade = 2
    if eye is not None and eye.ratio is not None and side.side in ("left", "right"):
        closed = eye.movement(side.side)
        inputs["affected_eye_closure"] = round(closed, 3)
        if closed < complete_closure and eye.ratio < RATIO_REGION_MIN:
            rules.append("eye closure incomplete: IV or worse")
            grade = max(grade, 4)
    if brow is not None and side.side in ("left", "right") and (brow.ratio is None or brow.movement(side.side) < 1.0):
        rules.append("no forehead movement: IV or worse")
        grade = max(grade, 4)
    at_rest = asymmetric_at_rest(rest, side.side) if rest is not None and grade >= 4 else []
    if at_rest:
        inputs["asymmetric_at_rest"] = at_rest
        rules.append("asymmetric at rest: V or worse")
        grade = max(grade, 5)
    return HouseBrackmannEstimate(grade, score, tuple(rules), inputs)


def consistency(composite: int | None, grade: int | None) -> dict:
    """Compare the composite with the middle-50 % range for the HB grade [Kan11]."""
    if composite is None or grade is None:
        return {"status": "unavailable", "expected_range": None}
    lo, hi = KANERVA_2011[grade]
    if lo <= composite <= hi:
        status = "consistent"
    elif lo - 10 <= composite <= hi + 10:
        status = "borderline"
    else:
        status = "inconsistent"
    return {"status": status, "expected_range": [lo, hi],
            "note": None if status == "consistent" else
            f"composite {composite} outside the usual range {lo}-{hi} for HB {HB_ROMAN[grade]} (Kanerva 2011)"}
