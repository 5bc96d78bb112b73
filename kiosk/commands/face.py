"""`kiosk face IMAGE... [--json]`: landmarks, iris, mm_per_px, pose and quality per image.

Exit codes: 0 every image had exactly one face; 1 at least one image was unreadable, had
no face or more than one face (each says why on stderr); 4 the models could not be loaded.
A face with a failed quality verdict still exits 0: the verdict is part of the result.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

NOTE = ("Landmark positions for decision support, not a diagnosis. mm_per_px assumes an "
        "11.7 mm visible iris diameter (population mean, about +-4 % between people).")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, ...)")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per image")


def _round(values: Any, nd: int = 2) -> Any:
    import numpy as np
    return np.round(np.asarray(values, dtype=float), nd).tolist()


def _iris(obs: Any) -> dict[str, Any] | None:
    if obs is None:
        return None
    return {"center_px": _round(obs.center_px), "diameter_px": round(obs.diameter_px, 2),
            "points_px": _round(obs.points_px)}


def analyse_image(path: Path, pipeline: Any) -> tuple[dict[str, Any], str | None]:
    """Result dict for one image and an error message (None when exactly one face)."""
    from kiosk.capture.media import MediaError, read_image

    out: dict[str, Any] = {"image": str(path), "faces_found": None, "error": None}
    try:
        rgb = read_image(path)
    except MediaError as e:
        out["error"] = str(e)
        return out, out["error"]
    analysis = pipeline.process(rgb)
    q = analysis.quality
    out.update(faces_found=analysis.faces_found, width_px=rgb.shape[1], height_px=rgb.shape[0],
               quality={"ok": q.ok, "code": q.code, "message": q.message})
    f = analysis.face
    if f is None:
        what = "more than one face" if analysis.faces_found > 1 else "no face found"
        out["error"] = f"{path}: {what} ({q.message})"
        return out, out["error"]
    out.update(
        presence=round(f.presence, 4), box_px=_round(f.box_px), interocular_px=round(f.interocular_px, 2),
        mm_per_px=None if f.mm_per_px is None else round(f.mm_per_px, 5),
        pose={"yaw_deg": round(f.pose.yaw_deg, 2), "pitch_deg": round(f.pose.pitch_deg, 2),
              "roll_deg": round(f.pose.roll_deg, 2)},
        iris={"right": _iris(f.iris_right), "left": _iris(f.iris_left)},
        landmarks_px=_round(f.landmarks_px),
    )
    return out, None


def _summary(r: dict[str, Any]) -> str:
    if r["error"]:
        return f"ERROR {r['error']}"
    p = r["pose"]
    mm = f"{r['mm_per_px']:.4f} mm/px" if r["mm_per_px"] else "mm/px unknown"
    return (f"{r['image']}: 1 face, 468 landmarks, interocular {r['interocular_px']:.1f} px, {mm}, "
            f"yaw {p['yaw_deg']:+.1f} deg, pitch {p['pitch_deg']:+.1f} deg, roll {p['roll_deg']:+.1f} deg, "
            f"quality {r['quality']['code']}: {r['quality']['message']}")


def run(args: argparse.Namespace, config: Any) -> int:
    from kiosk.vision.pipeline import FacePipeline
    from kiosk.vision.runtime import RuntimeUnavailable

    try:
        pipeline = FacePipeline(config.vision)
    except RuntimeUnavailable as e:
        print(f"kiosk face: {e}", file=sys.stderr)
        return 4
    results, failed = [], False
    for name in args.images:
        result, error = analyse_image(Path(name), pipeline)
        results.append(result)
        if error:
            failed = True
            print(f"kiosk face: {error}", file=sys.stderr)
    if args.json:
        json.dump({"note": NOTE, "images": results}, sys.stdout)
        sys.stdout.write("\n")
    else:
        for r in results:
            print(_summary(r))
        print(NOTE)
    return 1 if failed else 0
