"""The clinical picture of one session, laid out as the neurologist knows it (pure, dict in, dataclasses out).

From a stored face part (``SessionAssessment.to_dict()["face"]``, docs/contracts.md):

* the Sunnybrook form (Ross 1996): resting symmetry eye / cheek / mouth (0-1, 0-2, 0-1; sum x 5),
  voluntary movement 1-5 per expression (sum x 4), synkinesis 0-3 per expression (sum);
* the eFACE-style row (Banks 2015): static, dynamic, synkinesis (100 = balanced);
* the eye-closure gap: what stays open of each palpebral fissure at the closure peak (mm);
* signed resting differences: which side is lower (brow, commissure, ala) or narrower (fissure).

An item that was not measured is ``None`` and reads :data:`NOT_ASSESSED`, never 0.
Screen (kiosk.ui.screens.clinician) and PDF (kiosk.reports.clinician) draw the same objects.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NOT_ASSESSED = "not assessed – grade clinically"

# Sunnybrook expressions: (voluntary region key, synkinesis step key, form label)
EXPRESSIONS = (("brow", "brow_raise", "Forehead wrinkle (FRO)"),
               ("eye_gentle", "eye_close_gentle", "Gentle eye closure (OCS)"),
               ("smile", "smile", "Open-mouth smile (ZYG/RIS)"),
               ("snarl", "snarl", "Snarl (LLA/LLS)"),
               ("pucker", "pucker", "Lip pucker (OOS/OOI)"))
RESTING = (("eye", "Eye (palpebral fissure)", 1), ("cheek", "Cheek (alar base, fold proxy)", 2),
           ("mouth", "Mouth (commissure)", 1))
# Resting differences smaller than this are reported as level (mm): healthy faces differ by 0.5-2.3 mm
# (Coulson 2002), so a smaller difference names no side.
LEVEL_MM = 0.5
REST_LABELS = (("brow_height_mm", "Brow height", "lower"), ("palpebral_fissure_mm", "Palpebral fissure", "narrower"),
               ("commissure_vertical_mm", "Mouth corner height", "lower"), ("alar_height_mm", "Alar base height",
                                                                            "lower"))


@dataclass(frozen=True)
class GridItem:
    label: str
    score: int | None            # None = not assessed
    scale: str                   # "0-2", "1-5", "0-3"
    basis: str                   # what the score came from ("ratio 0.62", "2.4 mm")

    @property
    def text(self) -> str:
        return NOT_ASSESSED if self.score is None else str(self.score)


@dataclass(frozen=True)
class SunnybrookGrid:
    resting: tuple[GridItem, ...]
    voluntary: tuple[GridItem, ...]
    synkinesis: tuple[GridItem, ...]
    resting_score: float | None          # sum x 5 (0-20)
    voluntary_score: float | None        # sum x 4 (20-100)
    synkinesis_score: float | None       # sum (0-15)
    composite: float | None
    synkinesis_side: str | None
    unavailable_reason: str | None


@dataclass(frozen=True)
class RestDifference:
    label: str
    right_mm: float
    left_mm: float
    side: str | None                     # the lower (narrower) side; None when within LEVEL_MM
    difference_mm: float                 # |left - right|
    word: str = "lower"                  # "narrower" for the fissure

    @property
    def text(self) -> str:
        if self.side is None:
            return f"level (< {LEVEL_MM:g} mm)"
        return f"{self.side} {self.difference_mm:.1f} mm {self.word}"


@dataclass(frozen=True)
class EyeGap:
    region: str                          # eye_gentle / eye_tight
    label: str
    right_mm: float | None               # fissure left open at the closure peak
    left_mm: float | None


@dataclass(frozen=True)
class EFaceRow:
    static: float | None
    dynamic: float | None
    synkinesis: float | None
    affected_side: str | None
    assumed: bool


@dataclass(frozen=True)
class ClinicalDetail:
    sunnybrook: SunnybrookGrid
    eface: EFaceRow | None
    eye_gaps: tuple[EyeGap, ...]
    rest: tuple[RestDifference, ...]     # empty when no rest frame


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _int(v: Any) -> int | None:
    n = _num(v)
    return None if n is None else int(round(n))


def sunnybrook_grid(face: dict[str, Any]) -> SunnybrookGrid:
    """The Sunnybrook form's items from the stored estimate's inputs."""
    sb = face.get("sunnybrook") or {}
    inp = sb.get("inputs") or {}
    rest_items = inp.get("resting_items") or {}
    rest_mm = inp.get("rest_differences_mm") or face.get("rest") or {}
    vol = inp.get("voluntary_items_1_5") or {}
    ratios = inp.get("voluntary_ratios") or {}
    syn = inp.get("synkinesis_items_0_3") or {}
    syn_mm = inp.get("synkinesis_measures_mm") or {}
    basis_rest = {"eye": rest_mm.get("fissure_diff_mm"), "cheek": rest_mm.get("alar_diff_mm"),
                  "mouth": rest_mm.get("commissure_height_diff_mm")}
    resting = tuple(GridItem(label, _int(rest_items.get(k)), f"0-{top}",
                             "" if _num(basis_rest[k]) is None else f"{basis_rest[k]:.1f} mm")
                    for k, label, top in RESTING)
    voluntary, synk = [], []
    for region, step, label in EXPRESSIONS:
        r = _num(ratios.get(region))
        voluntary.append(GridItem(label, _int(vol.get(region)), "1-5", "" if r is None else f"ratio {r:.2f}"))
        m = syn_mm.get(step) or {}
        basis = (f"R {m['right']:.1f} / L {m['left']:.1f} mm" if _num(m.get("right")) is not None
                 and _num(m.get("left")) is not None else "")
        synk.append(GridItem(label, _int(syn.get(step)), "0-3", basis))
    return SunnybrookGrid(tuple(resting), tuple(voluntary), tuple(synk), _num(sb.get("resting")),
                          _num(sb.get("voluntary")), _num(sb.get("synkinesis")), _num(sb.get("composite")),
                          inp.get("synkinesis_side"), sb.get("unavailable_reason"))


def rest_differences(face: dict[str, Any]) -> tuple[RestDifference, ...]:
    """Signed resting differences from ``rest_sides`` (each side's position, superior / wider positive)."""
    sides = face.get("rest_sides") or {}
    out = []
    for key, label, word in REST_LABELS:
        pair = sides.get(key) or {}
        r, lft = _num(pair.get("right")), _num(pair.get("left"))
        if r is None or lft is None:
            continue
        diff = abs(lft - r)
        lower = None if diff < LEVEL_MM else ("left" if lft < r else "right")
        out.append(RestDifference(label, r, lft, lower, diff, word))
    return tuple(out)


def eye_gaps(face: dict[str, Any]) -> tuple[EyeGap, ...]:
    """Fissure left open at the closure peak (mm) = resting fissure - lid travel, per eye."""
    sides = (face.get("rest_sides") or {}).get("palpebral_fissure_mm") or {}
    if not sides:    # older sessions: the eFACE inputs carry the same resting fissures
        static = (((face.get("eface") or {}).get("inputs") or {}).get("right_left_pairs") or {}).get("static") or {}
        pair = static.get("palpebral_fissure")
        sides = {"right": pair[0], "left": pair[1]} if isinstance(pair, (list, tuple)) and len(pair) == 2 else {}
    regions = face.get("regions") or {}
    out = []
    for key, label in (("eye_gentle", "Gentle closure"), ("eye_tight", "Tight closure")):
        reg = regions.get(key) or {}
        gap = {}
        for s in ("right", "left"):
            rest, travel = _num(sides.get(s)), _num(reg.get(f"{s}_lid_travel_mm"))
            gap[s] = None if rest is None or travel is None else max(rest - travel, 0.0)
        out.append(EyeGap(key, label, gap["right"], gap["left"]))
    return tuple(out)


def clinical_detail(face: dict[str, Any] | None) -> ClinicalDetail:
    """Everything above for one session's face part (an empty dict gives all items not assessed)."""
    face = face or {}
    ef = face.get("eface")
    row = None if not ef else EFaceRow(_num(ef.get("static")), _num(ef.get("dynamic")), _num(ef.get("synkinesis")),
                                       ef.get("affected_side"), bool(ef.get("affected_side_assumed")))
    return ClinicalDetail(sunnybrook_grid(face), row, eye_gaps(face), rest_differences(face))
