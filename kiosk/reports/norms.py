"""Reference ranges and wording shared by the reports (sources in docs/metrics.md#references)."""
from __future__ import annotations

from collections.abc import Callable

from kiosk.scoring.grades import KANERVA_2011, hb_roman

REGION_LABELS = {"brow": "Brow raise", "eye_gentle": "Gentle eye closure", "eye_tight": "Tight eye closure",
                 "smile": "Open smile", "snarl": "Snarl", "pucker": "Lip pucker"}

# Landmark noise alone gives symmetry ratios of 0.90..1.00 on a mirrored, symmetric face (docs/metrics.md#noise-band).
NOISE_RATIO = 0.85

# (label, path in speech dict, unit, decimals, normal range text, abnormal test)
SpeechNorm = tuple[str, tuple[str, ...], str, int, str, Callable[[float], bool] | None]
SPEECH_NORMS: tuple[SpeechNorm, ...] = (
    ("/a/ maximum phonation time", ("voice", "mpt_s"), "s", 1, ">= 10 s (typically 15–25 s)", lambda v: v < 10),
    ("/a/ F0 mean", ("voice", "f0_mean_hz"), "Hz", 0, "depends on sex and age", None),
    ("/a/ F0 SD", ("voice", "f0_sd_hz"), "Hz", 1, "–", None),
    ("/a/ jitter (local)", ("voice", "jitter_local_pct"), "%", 2, "<= 1.04 % (MDVP)", lambda v: v > 1.04),
    ("/a/ shimmer (local)", ("voice", "shimmer_local_pct"), "%", 2, "<= 3.81 % (MDVP)", lambda v: v > 3.81),
    ("/a/ harmonics-to-noise ratio", ("voice", "hnr_db"), "dB", 1, "–", None),
    ("/a/ CPPS", ("voice", "cpps_db"), "dB", 1, ">= 14.45 dB (Murton 2020)", lambda v: v < 14.45),
    ("/pa/ rate", ("ddk", "pa", "rate_sps"), "syll/s", 1, "about 5–7 syll/s", lambda v: not 5 <= v <= 7.5),
    ("/ta/ rate", ("ddk", "ta", "rate_sps"), "syll/s", 1, "about 5–7 syll/s", lambda v: not 5 <= v <= 7.5),
    ("/ka/ rate", ("ddk", "ka", "rate_sps"), "syll/s", 1, "about 5–7 syll/s", lambda v: not 5 <= v <= 7.5),
    ("/pataka/ rate", ("ddk", "pataka", "rate_sps"), "syll/s", 1, "6.2 ± 0.8 syll/s (>= 5.4)", lambda v: v < 5.4),
    ("/pataka/ regularity (CV)", ("ddk", "pataka", "cv_pct"), "%", 1, "lower = more regular", None),
    ("/pa/ : /ta/ rate ratio", ("ddk", "pa_ta_ratio"), "", 2, "about 1; lower = lips slower than tongue", None),
    ("Sentence: phones recognized", ("intelligibility", "phone_accuracy_pct"), "%", 0, "no published norm", None),
    ("Sentence: bilabials p b m", ("intelligibility", "bilabial_accuracy_pct"), "%", 0,
     "compare with all phones above", None),
    ("Sentence: speaking rate", ("intelligibility", "speaking_rate_sps"), "syll/s", 1, "–", None),
)

# Sunnybrook composite per HB grade, middle 50 % of 5,397 clinician gradings (Kanerva 2011).

LIMITATIONS = (
    "Decision support, not a diagnosis. All grades on this page are automated estimates from face landmarks "
    "and speech recordings; they are not a clinician's House-Brackmann or Sunnybrook grading and must be read "
    "together with a clinical examination. Automated landmark grading has known biases: landmark models trained "
    "on healthy faces are less accurate on palsy faces (Guarin 2020); automated scores rate normal faces as more "
    "asymmetric and severe palsy as less severe than clinicians do (Miller 2021); healthy adults rarely score "
    "100 (Sunnybrook composite 65–100, median 95–96, Picard 2024). Clinician grading is itself approximate: "
    "doctors agreed on the House-Brackmann grade only about 50 % of the time (Kanerva 2006) and Sunnybrook "
    "scores spread widely within each House-Brackmann grade (Kanerva 2011). Millimetres are scaled from a "
    "population-mean iris diameter (11.7 mm), so absolute values can be off by several per cent for one person; "
    "symmetry ratios do not depend on that scale. Synkinesis is judged only from what a 2-D camera sees (eye "
    "narrowing during mouth movements and mouth movement during eye closure). Observers need about 3 mm of "
    "asymmetry at the mouth or brow and 2 mm at the eyelids before they see it (Chu 2011, Hohman 2014); healthy "
    "faces differ by 0.5–2.3 mm (Coulson 2002). Speech norms are adult norms; a noisy room, a cold or a "
    "non-native speaker can lower the speech scores.")


def side_text(side: str | None) -> str:
    """'left' -> "left (patient's)"; 'none' -> 'none detected'."""
    if side in ("left", "right"):
        return f"{side} (patient's)"
    return "none detected" if side == "none" else "–"


def hb_sunnybrook_note(grade: int | None, composite: float | None) -> str | None:
    """A note when the composite lies outside the middle 50 % of clinician gradings for the HB estimate."""
    if grade is None or composite is None or grade not in KANERVA_2011:
        return None
    lo, hi = KANERVA_2011[grade]
    if lo <= composite <= hi:
        return None
    roman = hb_roman(grade)
    return (f"Consistency check: a Sunnybrook composite of {composite:.0f} lies outside the middle 50 % "
            f"({lo}–{hi}) of clinician gradings for House-Brackmann {roman} (Kanerva 2011). Read both "
            "estimates with care.")
