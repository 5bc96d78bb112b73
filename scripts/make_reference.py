#!/usr/bin/env python3
"""Write tests/fixtures/vision_reference.json: mediapipe 0.10.21 FaceMesh on the parity frames.

Run in the reference venv only (`make reference`; mediapipe needs numpy < 2):
    .venv-ref/bin/python scripts/make_reference.py
For each frame of kiosk.vision.frames.PARITY_FRAMES (the astronaut face at several scales,
shifts and rolls, built with pure numpy so both venvs make identical frames) it stores the
frame's sha256, the 468 mesh points from FaceMesh(static_image_mode=True,
refine_landmarks=False) (the same face_landmark model we run), the 478 points of
refine_landmarks=True (face_landmark_with_attention: mesh with refined lips and eyes, irises
468..477) and the iris centres and diameters from those.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.vision import frames as F  # noqa: E402  (numpy-only module)

OUT = ROOT / "tests" / "fixtures" / "vision_reference.json"


def _points(result, w: int, h: int) -> np.ndarray | None:
    if not result.multi_face_landmarks:
        return None
    lm = result.multi_face_landmarks[0].landmark
    return np.array([[p.x * w, p.y * h, p.z * w] for p in lm], dtype=np.float64)


def _iris(pts: np.ndarray) -> dict[str, dict]:
    """Refined iris points 468..472 and 473..477, assigned to the patient's sides."""
    out = {}
    for start in (468, 473):
        p = pts[start:start + 5, :2]
        diam = (np.linalg.norm(p[1] - p[3]) + np.linalg.norm(p[2] - p[4])) / 2
        right_corner_mid = (pts[33, :2] + pts[133, :2]) / 2
        left_corner_mid = (pts[263, :2] + pts[362, :2]) / 2
        side = "right" if np.linalg.norm(p[0] - right_corner_mid) < np.linalg.norm(p[0] - left_corner_mid) else "left"
        out[side] = {"center_px": [round(float(v), 3) for v in p[0]], "diameter_px": round(float(diam), 3),
                     "index_start": start}
    return out


def main() -> int:
    import mediapipe as mp
    from skimage import data

    src = data.astronaut()
    fm = mp.solutions.face_mesh
    plain = fm.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=False)
    refined = fm.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=True)
    frames = {}
    for name in F.PARITY_FRAMES:
        img = F.parity_frame(src, name)
        h, w = img.shape[:2]
        mesh = _points(plain.process(img), w, h)
        ref = _points(refined.process(img), w, h)
        if mesh is None or ref is None:
            print(f"{name}: reference found no face", file=sys.stderr)
            return 1
        frames[name] = {"sha256": F.sha256(img), "width": w, "height": h,
                        "mesh_px": np.round(mesh, 2).tolist(), "refined_px": np.round(ref, 2).tolist(),
                        "iris": _iris(ref)}
        iod = np.linalg.norm(mesh[263, :2] - mesh[33, :2])
        print(f"{name}: {w}x{h}, IOD {iod:.1f} px")
    doc = {"about": "mediapipe 0.10.21 FaceMesh on kiosk.vision.frames.PARITY_FRAMES; "
                    "mesh: refine_landmarks=False, refined and iris: refine_landmarks=True; px units, z scaled like x",
           "mediapipe": mp.__version__, "frames": frames}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
