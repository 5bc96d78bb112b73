#!/usr/bin/env python3
"""Healthy references of the hypomimia measures, measured by this pipeline (docs/parkinson.md#hypomimia).

Expression amplitude: every real face of kiosk/demo/real_faces.py (as photographed) makes the healthy
synthetic expressions of kiosk/demo/synthetic_face.py (brow 12 mm up, smile 8 mm out + 6 mm up,
snarl 9 mm up, pucker 10 mm inward, eye closure 95/97 % of the fissure) under five poses (frontal,
scale 0.85 and 1.15, roll 5 deg, yaw 5 deg); the full face assessment (kiosk.session.face) measures
each side. Per region, over faces x poses x sides:

    typical = mean;  low = min(mean - 2 SD, 0.9 x lowest);  high = max(mean + 2 SD, 1.1 x highest)
    (low at least 0; eye closure's high at most 100 %)

The same sessions at 40 % of the healthy amplitude (both sides: bilateral hypomimia) are printed
for comparison, not used. Spontaneous expressivity: 6 s synthetic videos of each face
(kiosk/demo/synthetic_expressivity.py) at amplitude 1.0 (reference), 0.4 and 0 (still: the
landmark jitter floor), same formula.

Usage:  PYTHONPATH=. python scripts/calibrate_hypomimia.py [--write] [--faces N]
--write regenerates kiosk/face/hypomimia_reference.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.demo.real_faces import NAMES  # noqa: E402
from kiosk.demo.synthetic_face import FACE_STEPS, Pose, SyntheticSpec, apply_pose, expression_image  # noqa: E402
from kiosk.face.symmetry import REGION_ORDER  # noqa: E402

POSES = (Pose(), Pose(scale=0.85), Pose(scale=1.15), Pose(roll_deg=5.0), Pose(yaw_deg=5.0))
AMPLITUDES = (1.0, 0.4)
VIDEO_AMPLITUDES = (1.0, 0.4, 0.0)
VIDEO_S, VIDEO_FPS = 6.0, 30.0
OUT = ROOT / "kiosk" / "face" / "hypomimia_reference.py"


def session(face: str, pose: Pose, amplitude: float) -> dict[str, list[np.ndarray]]:
    """One photo per face step of ``face`` at ``amplitude`` of the healthy expressions (both sides)."""
    spec = SyntheticSpec(symmetric=False, face=face, pose=pose)
    return {s: [apply_pose(expression_image(s, spec, amplitude), pose)] for s in FACE_STEPS}


def amplitudes(faces: tuple[str, ...]) -> dict[float, dict[str, list[float]]]:
    """amplitude -> region -> values (both sides, all faces and poses)."""
    from kiosk.config import VisionConfig
    from kiosk.face.hypomimia import expression_amplitudes
    from kiosk.session.face import assess_face
    from kiosk.vision.eyelids import EyelidModel
    from kiosk.vision.pipeline import FacePipeline

    pipe = FacePipeline(VisionConfig(model_dir=ROOT / "models"), tracking=True)
    lids = EyelidModel(ROOT / "models")
    out: dict[float, dict[str, list[float]]] = {a: {r: [] for r in REGION_ORDER} for a in AMPLITUDES}
    for face in faces:
        for pose in POSES:
            for a in AMPLITUDES:
                amp = expression_amplitudes(assess_face(session(face, pose, a), pipe, lids))
                for r, v in amp.items():
                    if v.right is None:
                        print(f"  {face} {pose} {a}: {r} not measured ({v.reason})", file=sys.stderr)
                        continue
                    out[a][r] += [v.right, v.left]
    pipe.close()
    return out


def expressivities(faces: tuple[str, ...]) -> dict[float, list[float]]:
    from kiosk.demo.synthetic_expressivity import expressive_video
    from kiosk.face.hypomimia import expressivity
    from kiosk.session.tremor import video_series

    out: dict[float, list[float]] = {a: [] for a in VIDEO_AMPLITUDES}
    for face in faces:
        for a in VIDEO_AMPLITUDES:
            s = video_series(expressive_video(face, VIDEO_S, VIDEO_FPS, a))
            x = expressivity(s.landmarks_px, s.mm_per_px, VIDEO_FPS, s.opening_px)
            out[a].append(float(x.rms_speed_mm_s))
            print(f"  expressivity {face} amplitude {a}: {x.rms_speed_mm_s:.2f} mm/s", file=sys.stderr)
    return out


def reference(values: list[float]) -> tuple[float, float, float, float]:
    """(typical, low, high, SD) by the module docstring's formula."""
    v = np.asarray(values, dtype=float)
    m, sd = float(v.mean()), float(v.std(ddof=1))
    return m, min(m - 2 * sd, 0.9 * float(v.min())), max(m + 2 * sd, 1.1 * float(v.max())), sd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="regenerate kiosk/face/hypomimia_reference.py")
    ap.add_argument("--faces", type=int, default=len(NAMES), help="use the first N real faces")
    args = ap.parse_args()
    faces = NAMES[:args.faces]
    amp = amplitudes(faces)
    rows, refs = [], {}
    print(f"{'region':<11} {'unit':<4} {'n':>3} {'mean':>7} {'SD':>6} {'min':>7} {'max':>7} | {'low':>7} {'high':>7} | "
          f"{'40% mean':>8} {'40% max':>7} {'40% below low':>13}")
    from kiosk.face.hypomimia import region_unit
    for r in REGION_ORDER:
        full, weak = amp[1.0][r], amp[0.4][r]
        typ, low, high, sd = reference(full)
        high = min(high, 100.0) if region_unit(r) == "%" else high     # closure cannot exceed 100 %
        below = sum(v < low for v in weak)
        refs[r] = (typ, low, high)
        rows.append((r, region_unit(r), len(full), typ, sd, min(full), max(full), low, high,
                     float(np.mean(weak)), max(weak), below, len(weak)))
        print(f"{r:<11} {region_unit(r):<4} {len(full):>3} {typ:7.2f} {sd:6.2f} {min(full):7.2f} {max(full):7.2f} | "
              f"{low:7.2f} {high:7.2f} | {np.mean(weak):8.2f} {max(weak):7.2f} {below:>6}/{len(weak)}")
    ex = expressivities(faces)
    etyp, elow, ehigh, esd = reference(ex[1.0])
    print(f"expressivity mm/s: full {np.round(ex[1.0], 2).tolist()} -> typical {etyp:.2f}, low {elow:.2f}, "
          f"high {ehigh:.2f}; 40 % {np.round(ex[0.4], 2).tolist()}; still {np.round(ex[0.0], 2).tolist()}")
    if args.write:
        write(faces, refs, (etyp, elow, ehigh), ex, rows)
        print(f"wrote {OUT.relative_to(ROOT)}")


def _literal(text: str, indent: str = "    ") -> str:
    """A long string as a parenthesised implicit concatenation of short literals."""
    import textwrap

    parts = textwrap.wrap(text, 90, drop_whitespace=False)
    return "(\n" + "\n".join(indent + repr(p) for p in parts) + ")"


def write(faces, refs, ex_ref, ex, rows) -> None:  # noqa: ANN001
    n = len(faces)
    r2 = lambda v: np.round(v, 2).tolist()  # noqa: E731
    table = "\n".join(f"  {r[0]:<10} ({r[1]}): n={r[2]} mean {r[3]:.2f} SD {r[4]:.2f} min {r[5]:.2f} max {r[6]:.2f}; "
                      f"40 %: mean {r[9]:.2f} max {r[10]:.2f}, {r[11]}/{r[12]} below low" for r in rows)
    expression = "\n".join(f'    "{r}": Reference({typ:.2f}, {max(low, 0.0):.2f}, {high:.2f}, "low", SOURCE, True),'
                            for r, (typ, low, high) in refs.items())
    source = (f"measured by this pipeline on {n} real faces with synthetic healthy expressions "
              "(kiosk/demo/synthetic_face.py amplitudes; 5 poses): typical = mean, range mean +- 2 SD "
              "(at least 10 % beyond the extremes); provisional, needs healthy-volunteer data")
    ex_source = ("provisional: upper-face RMS speed of synthetic healthy expressions (brow raise, smile, snarl, "
                 f"one every 1.15 s) on {n} real faces; direction from Novotny 2022 and Bandini 2017 (less facial "
                 "motion in Parkinson's disease); not a healthy-volunteer norm for talking faces")
    OUT.write_text(f'''"""Healthy references of the hypomimia measures. GENERATED: do not edit; regenerate with

    PYTHONPATH=. python scripts/calibrate_hypomimia.py --write

(faces: {", ".join(faces)}).
PROVISIONAL: measured by this pipeline on {n} real faces (kiosk/demo/real_faces.py) making
the synthetic healthy expressions of kiosk/demo/synthetic_face.py under 5 poses; the spread is
the pipeline's over faces and poses, not people's. Needs healthy-volunteer data.

Per region (unit): the healthy sessions' n, mean, SD, min, max; the 40 % sessions' mean, max and
how many of their values fall below low:
{table}
Spontaneous expressivity (mm/s): full {r2(ex[1.0])}
  40 % {r2(ex[0.4])}; still {r2(ex[0.0])}
"""
from kiosk.analytics.parkinson import Reference

FACES = {tuple(faces)!r}
SOURCE = {_literal(source)}
EXPRESSION: dict[str, Reference] = {{
{expression}
}}
JITTER_FLOOR_MM_S = {float(np.max(ex[0.0])):.2f}   # still face with sensor noise: highest of the faces
EXPRESSIVITY_SOURCE = {_literal(ex_source)}
EXPRESSIVITY = Reference({ex_ref[0]:.2f}, {max(ex_ref[1], 0.0):.2f}, {ex_ref[2]:.2f}, "low", EXPRESSIVITY_SOURCE, True)
''')


if __name__ == "__main__":
    main()
