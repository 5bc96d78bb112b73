#!/usr/bin/env python3
"""Print the facial-metric calibration and the severity table (markdown).

1. Mirrored, perfectly symmetric synthetic faces (severity 0) over 12 poses: region
   ratios and the movement-weighted mean ratio: the noise floor behind the cut-offs in
   kiosk/face/symmetry.py and kiosk/scoring/facial.py.
2. Severity 0..1 x affected side: measured mouth (smile), eye (gentle closure) and brow
   ratios, Sunnybrook-style composite and House-Brackmann estimate.

Usage: .venv/bin/python scripts/face_calibration.py [--quick]
Default vision configuration (see tests/test_face_synthetic.py about the pitch gate).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.config import VisionConfig  # noqa: E402
from kiosk.demo.synthetic_face import Pose, SyntheticSpec, make_session  # noqa: E402
from kiosk.face.assess import assess_face  # noqa: E402
from kiosk.face.eyelids import EyelidModel  # noqa: E402
from kiosk.vision.pipeline import FacePipeline  # noqa: E402

REGIONS = ("brow", "eye_gentle", "eye_tight", "smile", "snarl", "pucker")
POSES = [Pose(), Pose(scale=0.75), Pose(scale=1.25), Pose(scale=1.5, shift_px=(0, -30)), Pose(shift_px=(25, -15)),
         Pose(shift_px=(-20, 20)), Pose(roll_deg=10), Pose(roll_deg=-10), Pose(yaw_deg=8), Pose(yaw_deg=-8),
         Pose(brightness=0.7), Pose(brightness=1.2)]


def _fmt(v) -> str:
    return "-" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 poses only")
    args = ap.parse_args()
    cfg = VisionConfig()
    pipe, lids = FacePipeline(cfg, tracking=True), EyelidModel(cfg.model_dir)
    run = lambda spec: assess_face({k: [v] for k, v in make_session(spec).items()}, pipe, lids)  # noqa: E731
    t0 = time.perf_counter()
    print("## Symmetric (mirrored) face, severity 0\n")
    print("| pose | " + " | ".join(REGIONS) + " | weighted mean | side | composite | HB |")
    print("|---" * (len(REGIONS) + 5) + "|")
    lows: dict[str, float] = {}
    for pose in POSES[:3] if args.quick else POSES:
        fa = run(SyntheticSpec(symmetric=True, pose=pose))
        ratios = [fa.regions[r].ratio if r in fa.regions else None for r in REGIONS]
        for r, v in zip(REGIONS + ("weighted",), ratios + [fa.side.weighted_mean_ratio]):
            if v is not None:
                lows[r] = min(lows.get(r, 1.0), v)
        label = f"roll {pose.roll_deg:g}, yaw {pose.yaw_deg:g}, x{pose.scale:g}, shift {pose.shift_px}, light x{pose.brightness:g}"
        print(f"| {label} | " + " | ".join(_fmt(v) for v in ratios)
              + f" | {_fmt(fa.side.weighted_mean_ratio)} | {fa.side.side} | {_fmt(fa.sunnybrook.composite)} | "
              f"{fa.house_brackmann.roman} |")
    print("\nlowest: " + ", ".join(f"{k} {v:.3f}" for k, v in lows.items()))
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
    print(f"\n({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
