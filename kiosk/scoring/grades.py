"""House-Brackmann grades in one place: numerals, severity wording and the Sunnybrook range that
clinicians give each grade (docs/metrics.md#house-brackmann-estimate).

References: House JW, Brackmann DE. Facial nerve grading system. Otolaryngol Head Neck Surg
1985;93:146-7. Kanerva M et al. Sunnybrook and House-Brackmann systems in 5397 facial
gradings. Otolaryngol Head Neck Surg 2011;144:570-4 (middle 50 % of the Sunnybrook composite
per House-Brackmann grade).
"""
from __future__ import annotations

HB_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}
SEVERITY = {1: "normal", 2: "mild", 3: "moderate", 4: "moderately severe", 5: "severe", 6: "total"}
#: Middle 50 % (interquartile range) of clinicians' Sunnybrook composites per HB grade [Kanerva 2011].
KANERVA_2011 = {1: (100, 100), 2: (71, 90), 3: (43, 62), 4: (26, 43), 5: (13, 25), 6: (5, 14)}


def hb_roman(grade: int | None) -> str:
    """"I".."VI" for a grade 1..6; "–" when there is none."""
    return HB_ROMAN.get(grade, "–") if grade else "–"


def severity_class(grade: int | None) -> str | None:
    """normal, mild, moderate, moderately severe, severe, total (HB I..VI)."""
    return SEVERITY.get(grade) if grade else None
