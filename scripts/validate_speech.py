#!/usr/bin/env python3
"""Speech validation on synthetic truth: monopitch (F0 SD, semitones) against Praat-manipulated speech.

    .venv/bin/python scripts/validate_speech.py [--markdown]

Sources: the kiosk sentence spoken by Debian flite (voices rms, awb, slt) and real read speech
from Debian pocketsphinx-testdata (LibriVox clips). Each has its F0 excursions scaled around
the mean in semitones by Praat's manipulation (factor 0 = monotone .. 2 = exaggerated; PSOLA
resynthesis, kiosk.demo.prosody_speech), and kiosk.speech.prosody.monopitch measures it back.
Target (issue 17): within 0.3 st of the truth. A case whose true contour reaches below the
60 Hz pitch floor is outside the measure's range and is marked so. Prints one table; exit 1
when an in-range case misses the target. scripts/validate.py writes the same table into
docs/validation.md.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args()
    from kiosk.demo.prosody_speech import (MONOPITCH_FACTORS, MONOPITCH_HEADER, MONOPITCH_TOLERANCE_ST,
                                           monopitch_cells, monopitch_sources, monopitch_summary,
                                           monopitch_validation)

    skipped: list[str] = []
    rows = monopitch_validation(monopitch_sources(skipped), MONOPITCH_FACTORS)
    for why in skipped:
        print(f"skipped {why}", file=sys.stderr)
    md = args.markdown
    sep = " | " if md else "  "
    for cells in [list(MONOPITCH_HEADER)] + ([["---"] * len(MONOPITCH_HEADER)] if md else []) + \
            [monopitch_cells(r) for r in rows]:
        print(("| " if md else "") + sep.join(cells) + (" |" if md else ""))
    s = monopitch_summary(rows)
    print(f"\nmonopitch: {s['in_range']} in-range cases, worst |error| {s['worst_st']:.2f} st "
          f"(target <= {MONOPITCH_TOLERANCE_ST} st); {s['misses']} miss(es)")
    return 1 if s["misses"] else 0


if __name__ == "__main__":
    sys.exit(main())
