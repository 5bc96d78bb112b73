#!/usr/bin/env python3
"""Speech validation on synthetic truth: monopitch (F0 SD, semitones) against Praat-manipulated speech.

    .venv/bin/python scripts/validate_speech.py [--markdown]

Sources: the kiosk sentence spoken by Debian flite (voices rms, awb, slt) and real read speech
from Debian pocketsphinx-testdata (LibriVox clips). Each has its F0 excursions scaled around
the mean in semitones by Praat's manipulation (factor 0 = monotone .. 2 = exaggerated; PSOLA
resynthesis, kiosk.demo.prosody_speech), and kiosk.speech.prosody.monopitch measures it back.
Target (issue 17): within 0.3 st of the truth. A case whose true contour reaches below the
60 Hz pitch floor is outside the measure's range and is marked so. Prints one table; exit 1
when an in-range case misses the target. scripts/validate.py (faces) links to this.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TOLERANCE_ST = 0.3
FACTORS = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0)
FLITE_VOICES = ("rms", "awb", "slt")
REAL = ("austen_0870", "austen_0880", "austen_0920")


def sources() -> dict[str, tuple[object, int]]:
    from kiosk.demo.real_speech import RealRecordingMissing, read_real
    from kiosk.demo.synthetic_speech import SAMPLE_RATE_HZ, flite_speech
    from kiosk.protocol.steps import SENTENCE
    from kiosk.speech.battery import ANALYSIS_RATE_HZ, to_analysis_rate

    out = {f"flite {v}": (flite_speech(SENTENCE, v, SAMPLE_RATE_HZ), SAMPLE_RATE_HZ) for v in FLITE_VOICES}
    for name in REAL:
        try:
            x, sr = read_real(name)
        except RealRecordingMissing as e:
            print(f"skipped {name}: {e}", file=sys.stderr)
            continue
        out[f"real {name}"] = (to_analysis_rate(x, sr), ANALYSIS_RATE_HZ)
    return out


def in_range(row, floor_hz: float) -> bool:
    """The true contour's low tail (mean - 2 SD) stays above the pitch floor."""
    return row.true_f0_mean_hz * 2 ** (-2 * row.true_f0_sd_st / 12) >= floor_hz


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args()
    from kiosk.demo.prosody_speech import monopitch_validation
    from kiosk.speech.prosody import PITCH_FLOOR_HZ

    rows = monopitch_validation(sources(), FACTORS)
    sep = " | " if args.markdown else "  "
    head = ["source", "factor", "true SD (st)", "measured (st)", "error (st)", "mean F0 (Hz)", "result"]
    print(("| " if args.markdown else "") + sep.join(head) + (" |" if args.markdown else ""))
    if args.markdown:
        print("|" + "---|" * len(head))
    misses = 0
    for r in rows:
        ok = r.error_st is not None and abs(r.error_st) <= TOLERANCE_ST
        inside = in_range(r, PITCH_FLOOR_HZ)
        result = "ok" if ok else ("MISS" if inside else "out of range (below 60 Hz floor)")
        misses += (not ok) and inside
        cells = [r.source, f"{r.factor:.2f}", f"{r.true_f0_sd_st:.2f}",
                 "-" if r.measured_f0_sd_st is None else f"{r.measured_f0_sd_st:.2f}",
                 "-" if r.error_st is None else f"{r.error_st:+.2f}", f"{r.true_f0_mean_hz:.0f}", result]
        print(("| " if args.markdown else "") + sep.join(cells) + (" |" if args.markdown else ""))
    inside_rows = [r for r in rows if in_range(r, PITCH_FLOOR_HZ) and r.error_st is not None]
    worst = max((abs(r.error_st) for r in inside_rows), default=float("nan"))
    print(f"\nmonopitch: {len(inside_rows)} in-range cases, worst |error| {worst:.2f} st "
          f"(target <= {TOLERANCE_ST} st); {misses} miss(es)")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
