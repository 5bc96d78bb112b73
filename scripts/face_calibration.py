#!/usr/bin/env python3
"""Print the facial-metric calibration and the severity table (markdown).

1. Mirrored, perfectly symmetric synthetic faces (severity 0) over 12 poses: region
   ratios and the movement-weighted mean ratio: the noise floor behind the cut-offs in
   kiosk/face/symmetry.py and kiosk/scoring/facial.py.
2. Severity 0..1 x affected side: measured mouth (smile), eye (gentle closure) and brow
   ratios, Sunnybrook-style composite and House-Brackmann estimate, with the peak
   positions from optical flow (default) and from the mesh only (``--mesh``).
3. Finer image scales (the base session upsampled 2x and 3x: ~0.37 and ~0.25 mm/px, the
   kiosk camera's range): severity 0 and 1.
4. Mean absolute error (mm) of the measured excursions (brow, smile, snarl, pucker; each
   side) against the true displacement of the synthetic warp at the same points, optical
   flow vs mesh only.

Usage: .venv/bin/python scripts/face_calibration.py [--quick] [--mesh]
Default vision configuration (see tests/test_face_synthetic.py about the pitch gate).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.config import VisionConfig  # noqa: E402
import cv2  # noqa: E402
import numpy as np  # noqa: E402

from kiosk.demo.synthetic_face import Pose, SyntheticSpec, make_session, true_displacement_px  # noqa: E402
from kiosk.session.face import assess_face  # noqa: E402
from kiosk.face import landmarks as L  # noqa: E402
from kiosk.vision.eyelids import EyelidModel  # noqa: E402
from kiosk.face.symmetry import MOVEMENT_REGIONS, directional_excursions_mm  # noqa: E402
from kiosk.vision.pipeline import FacePipeline  # noqa: E402

REGIONS = ("brow", "eye_gentle", "eye_tight", "smile", "snarl", "pucker")
POSES = [Pose(), Pose(scale=0.75), Pose(scale=1.25), Pose(scale=1.5, shift_px=(0, -30)), Pose(shift_px=(25, -15)),
         Pose(shift_px=(-20, 20)), Pose(roll_deg=10), Pose(roll_deg=-10), Pose(yaw_deg=8), Pose(yaw_deg=-8),
         Pose(brightness=0.7), Pose(brightness=1.2)]


def _fmt(v) -> str:
    return "-" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))


def true_excursions_mm(spec: SyntheticSpec, rest_landmarks_px: np.ndarray, region: str,
                       mm_per_px: float, from_canthi: bool = True) -> dict[str, float]:
    """True excursion (mm) per side of a region: the warp's displacement at the mesh's rest points.

    from_canthi: relative to the mean of the four eye corners, the face frame's origin
    (the brow warp lifts the outer canthi by ~2-3 px); else plain image displacement.
    """
    step, groups = MOVEMENT_REGIONS[region]
    origin = np.zeros(2)
    if from_canthi:
        canthi = rest_landmarks_px[list(L.RIGID_PAIRS.right + L.RIGID_PAIRS.left), :2]
        origin = true_displacement_px(step, spec, canthi).mean(axis=0)
    vec = {}
    for side in ("right", "left"):
        d = np.mean([true_displacement_px(step, spec, rest_landmarks_px[list(g.side(side)), :2]).mean(axis=0)
                     for g in groups], axis=0) - origin
        vec[side] = np.array([(1.0 if side == "left" else -1.0) * d[0], -d[1]]) * mm_per_px
    return directional_excursions_mm(vec["right"], vec["left"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 poses only")
    ap.add_argument("--mesh", action="store_true", help="tables with mesh-only peak positions (no optical flow)")
    args = ap.parse_args()
    cfg = VisionConfig()
    pipe, lids = FacePipeline(cfg, tracking=True), EyelidModel(cfg.model_dir)
    run = lambda spec, flow=not args.mesh: assess_face(  # noqa: E731
        {k: [v] for k, v in make_session(spec).items()}, pipe, lids, use_flow=flow)
    t0 = time.perf_counter()
    print("## Symmetric (mirrored) face, severity 0\n")
    print("| pose | " + " | ".join(REGIONS) + " | weighted mean | side | composite | HB |")
    print("|---" * (len(REGIONS) + 5) + "|")
    lows: dict[str, float] = {}
    syn_max: dict[str, float] = {}
    for pose in POSES[:3] if args.quick else POSES:
        fa = run(SyntheticSpec(symmetric=True, pose=pose))
        ratios = [fa.regions[r].ratio if r in fa.regions else None for r in REGIONS]
        for r, v in zip(REGIONS + ("weighted",), ratios + [fa.side.weighted_mean_ratio]):
            if v is not None:
                lows[r] = min(lows.get(r, 1.0), v)
        for si in fa.synkinesis:
            syn_max[si.measure] = max(syn_max.get(si.measure, 0.0), abs(si.right_mm - si.left_mm))
        label = f"roll {pose.roll_deg:g}, yaw {pose.yaw_deg:g}, x{pose.scale:g}, shift {pose.shift_px}, light x{pose.brightness:g}"
        print(f"| {label} | " + " | ".join(_fmt(v) for v in ratios)
              + f" | {_fmt(fa.side.weighted_mean_ratio)} | {fa.side.side} | {_fmt(fa.sunnybrook.composite)} | "
              f"{fa.house_brackmann.roman} |")
    print("\nlowest: " + ", ".join(f"{k} {v:.3f}" for k, v in lows.items()))
    print("largest synkinesis side difference (mm): " + ", ".join(f"{k} {v:.2f}" for k, v in syn_max.items()))
    print("\n## Severity table (symmetric base face)\n")
    print("| severity | side | mouth (smile) | eye (gentle) | brow | detected side | composite | HB |")
    print("|---|---|---|---|---|---|---|---|")
    for sev in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        for side in ("left", "right"):
            fa = run(SyntheticSpec(side if sev else "none", sev, symmetric=True))
            r = {k: fa.regions[k].ratio if k in fa.regions else None for k in ("smile", "eye_gentle", "brow")}
            print(f"| {sev:.1f} | {side} | {_fmt(r['smile'])} | {_fmt(r['eye_gentle'])} | {_fmt(r['brow'])} | "
                  f"{fa.side.side} ({fa.side.confidence:.2f}) | {_fmt(fa.sunnybrook.composite)} | "
                  f"{fa.house_brackmann.roman} |")
    print("\n## Finer image scales (session upsampled)\n")
    print("| upsampling | mm/px | severity | mouth (smile) | brow | snarl | pucker | composite | HB | mesh fallbacks |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for factor in (2, 3):
        for sev in (0.0, 1.0):
            spec = SyntheticSpec("left" if sev else "none", sev, symmetric=True)
            frames = {k: [cv2.resize(v, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)]
                      for k, v in make_session(spec).items()}
            fa = assess_face(frames, pipe, lids, use_flow=not args.mesh)
            r = {k: fa.regions[k].ratio for k in ("smile", "brow", "snarl", "pucker")}
            fb = sum((fa.regions[k].tracking or {}).get("points_mesh_fallback", 0) for k in r)
            print(f"| x{factor} | {fa.mm_per_px:.3f} | {sev:.1f} | " + " | ".join(_fmt(v) for v in r.values())
                  + f" | {_fmt(fa.sunnybrook.composite)} | {fa.house_brackmann.roman} | {fb} |")
    print("\n## Excursion error against the synthetic truth (mm; severity 0..1, both sides)\n")
    detector = FacePipeline(cfg)
    errs: dict[str, list[float]] = {"flow": [], "mesh": []}
    errs_img: dict[str, list[float]] = {"flow": [], "mesh": []}
    weak: dict[str, list[float]] = {"flow": [], "mesh": []}
    for sev in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        for side in ("left", "right"):
            spec = SyntheticSpec(side if sev else "none", sev, symmetric=True)
            rest_lm = detector.process(make_session(spec, ("rest",))["rest"]).face.landmarks_px
            for name, flow in (("flow", True), ("mesh", False)):
                fa = run(spec, flow)
                for region in MOVEMENT_REGIONS:
                    truth = true_excursions_mm(spec, rest_lm, region, fa.mm_per_px)
                    r = fa.regions[region]
                    got = {"right": r.right_mm, "left": r.left_mm}
                    errs[name] += [abs(got[s] - truth[s]) for s in ("right", "left")]
                    img = true_excursions_mm(spec, rest_lm, region, fa.mm_per_px, from_canthi=False)
                    errs_img[name] += [abs(got[s] - img[s]) for s in ("right", "left")]
                    if sev == 1.0:
                        weak[name].append(got[side] / max(got["left"], got["right"]))
    for name in ("flow", "mesh"):
        print(f"- {name}: mean absolute error {np.mean(errs[name]):.2f} mm, max {np.max(errs[name]):.2f} mm "
              f"(n={len(errs[name])}); severity 1.0 affected/healthy excursion {np.min(weak[name]):.2f}.."
              f"{np.max(weak[name]):.2f}; against plain image displacement {np.mean(errs_img[name]):.2f} mm")
    print(f"\n({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
