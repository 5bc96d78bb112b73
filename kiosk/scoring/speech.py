"""Speech Clarity Score (patient) and Motor-Speech Impairment Index (clinician).

Both are weighted combinations of per-measure impairments derived from z-scores
against adult norms:

    z_bad      = (value - typical) / sd      if higher is worse
               = (typical - value) / sd      if lower is worse
    impairment = clip(z_bad, 0, 4) / 4       (0 = typical or better, 1 = 4 SD worse)
    MSII       = 100 * sum(w_i * impairment_i) / sum(w_i)       over measured items
    clarity    = 100 * (1 - sum(w_i * impairment_i) / sum(w_i)) over its own items

For norms given only as a clinical cut-off (jitter > 1.04 %, shimmer > 3.81 %, MPT
< 10 s, CPPS < 14.45 dB) the cut-off is placed at z = 2 from a typical healthy value.
Items marked ``provisional`` have no published norm for this exact method (the
pocketsphinx phone accuracies, pa/ta ratio spread, CV): their typical value and SD are
kiosk assumptions to be replaced by local norms. A score needs at least half of its
weight measured; otherwise it is ``None`` with a reason. Missing items are listed.

Measures what it says: motor speech and voice on short tasks. It is decision support
for tracking change, not a diagnosis, and it is not specific to facial palsy (any
dysarthria or voice disorder raises the MSII).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Z_CAP = 4.0
MIN_COVERAGE = 0.5


@dataclass(frozen=True)
class Norm:
    """Adult reference for one measure: typical value and SD, in ``unit``."""

    key: str
    unit: str
    typical: float
    sd: float
    worse_when: Literal["low", "high"]
    source: str
    provisional: bool = False


NORMS: dict[str, Norm] = {n.key: n for n in (
    Norm("pataka_rate_sps", "syll/s", 6.2, 0.8, "low", "adult /pataka/ sequential motion rate 6.2 +- 0.8 syll/s"),
    Norm("pa_rate_sps", "syll/s", 6.0, 0.5, "low", "adult /pa/ alternating motion rate about 5..7 syll/s (read as mean +- 2 SD)"),
    Norm("pa_ta_ratio", "ratio", 1.0, 0.08, "low", "healthy lips and tongue repeat at about the same rate; SD assumed", True),
    Norm("pataka_cv_pct", "%", 8.0, 4.0, "high", "regularity of healthy DDK; typical and SD assumed", True),
    Norm("mpt_s", "s", 15.0, 2.5, "low", "MPT /a/ typical 15..25 s, < 10 s abnormal (Speyer et al. 2010); the kiosk "
         "records at most 15 s, so typical = the 15 s cap and the 10 s cut-off sits at z = 2"),
    Norm("jitter_local_pct", "%", 0.4, 0.32, "high", "MDVP threshold 1.04 % at z = 2 from typical 0.4 %"),
    Norm("shimmer_local_pct", "%", 2.0, 0.905, "high", "MDVP threshold 3.81 % at z = 2 from typical 2.0 %"),
    Norm("cpps_db", "dB", 17.0, 1.275, "low", "CPPS /a/ < 14.45 dB suggests dysphonia (Murton et al. 2020), cut-off at z = 2; typical assumed", True),
    Norm("phone_accuracy_pct", "%", 85.0, 10.0, "low", "pocketsphinx phone accuracy on clear synthesized speech 75..92 %; assumed", True),
    Norm("bilabial_accuracy_pct", "%", 90.0, 10.0, "low", "pocketsphinx P B M accuracy on clear synthesized speech 78..100 %; assumed", True),
    Norm("speaking_rate_sps", "syll/s", 4.5, 0.6, "low", "read-sentence rate about 4..5 syll/s; SD assumed", True),
)}

# Weights sum to 1 in each score. The MSII leans on the lip measures (facial palsy).
MSII_WEIGHTS: dict[str, float] = {
    "bilabial_accuracy_pct": 0.20, "pa_ta_ratio": 0.15, "pa_rate_sps": 0.10,
    "phone_accuracy_pct": 0.10, "pataka_rate_sps": 0.10, "pataka_cv_pct": 0.05,
    "mpt_s": 0.10, "jitter_local_pct": 0.05, "shimmer_local_pct": 0.05, "cpps_db": 0.05,
    "speaking_rate_sps": 0.05,
}
MEANING = {
    "speech_clarity_score": "How clearly lip sounds and syllables came across in today's tasks, compared with "
                            "typical adult speech (100 = typical). Not a diagnosis.",
    "msii": "Weighted distance of lip, tongue and voice measures from adult norms (0 = no impairment, "
            "100 = every measure 4 SD or more worse). Decision support; not specific to facial palsy.",
}
CLARITY_WEIGHTS: dict[str, float] = {
    "bilabial_accuracy_pct": 0.35, "phone_accuracy_pct": 0.25, "pa_ta_ratio": 0.15,
    "pataka_rate_sps": 0.15, "speaking_rate_sps": 0.10,
}


@dataclass(frozen=True)
class ScoreItem:
    """One input of a score, with everything needed to recompute it by hand."""

    key: str
    value: float | None
    unit: str
    typical: float
    sd: float
    worse_when: str
    z_bad: float | None
    impairment: float | None
    weight: float
    contribution: float | None  # weight * impairment / measured weight, in score points / 100
    source: str
    provisional: bool


@dataclass(frozen=True)
class SpeechScore:
    """A 0..100 score (``None`` when too little was measured), its coverage and inputs."""

    name: str
    value: int | None
    coverage_pct: float
    items: tuple[ScoreItem, ...]
    reason: str | None

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "value": self.value, "meaning": MEANING[self.name],
                "coverage_pct": round(self.coverage_pct, 1),
                "reason": self.reason, "items": [asdict(i) for i in self.items]}


def impairment(value: float, norm: Norm) -> tuple[float, float]:
    """(z_bad, impairment 0..1) of ``value`` against ``norm``; positive z_bad = worse than typical."""
    z = (value - norm.typical) / norm.sd
    z_bad = z if norm.worse_when == "high" else -z
    return z_bad, min(max(z_bad, 0.0), Z_CAP) / Z_CAP


def weighted_impairment(measures: dict[str, float | None], weights: dict[str, float]
                        ) -> tuple[float | None, float, tuple[ScoreItem, ...]]:
    """(weighted mean impairment 0..1 or None, measured weight fraction 0..1, items)."""
    rows = []
    for key, w in weights.items():
        norm = NORMS[key]
        v = measures.get(key)
        z, imp = impairment(float(v), norm) if v is not None else (None, None)
        rows.append((key, v, norm, z, imp, w))
    measured = sum(w for *_, imp, w in rows if imp is not None)
    total = sum(weights.values())
    items = tuple(
        ScoreItem(key, None if v is None else float(v), n.unit, n.typical, n.sd, n.worse_when,
                  None if z is None else round(z, 3), None if imp is None else round(imp, 4), w,
                  None if imp is None or measured == 0 else round(w * imp / measured, 4), n.source, n.provisional)
        for key, v, n, z, imp, w in rows)
    if measured == 0:
        return None, 0.0, items
    return sum(w * imp for *_, imp, w in rows if imp is not None) / measured, measured / total, items


def _score(name: str, measures: dict[str, float | None], weights: dict[str, float], invert: bool) -> SpeechScore:
    mean_imp, coverage, items = weighted_impairment(measures, weights)
    if mean_imp is None or coverage < MIN_COVERAGE:
        missing = [i.key for i in items if i.value is None]
        return SpeechScore(name, None, 100 * coverage, items,
                           f"too few measures ({100 * coverage:.0f} % of the weight); missing: {', '.join(missing)}")
    value = 100.0 * (1.0 - mean_imp) if invert else 100.0 * mean_imp
    return SpeechScore(name, int(round(value)), 100 * coverage, items, None)


def clarity_score(measures: dict[str, float | None]) -> SpeechScore:
    """Speech Clarity Score 0..100 for the patient (100 = as clear as typical adults)."""
    return _score("speech_clarity_score", measures, CLARITY_WEIGHTS, invert=True)


def motor_speech_impairment_index(measures: dict[str, float | None]) -> SpeechScore:
    """Motor-Speech Impairment Index 0..100 for the clinician (0 = no impairment)."""
    return _score("msii", measures, MSII_WEIGHTS, invert=False)
