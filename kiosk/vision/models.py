"""The TFLite model files and their pinned sha256 (docs/architecture.md#vision-models).

Shared by ``scripts/fetch_models`` (which extracts them from the mediapipe 0.10.21 wheel)
and ``kiosk doctor`` (which checks them on the device). Pure standard library: importing
this module loads no model and no runtime.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

WHEEL = "mediapipe==0.10.21"

#: file name in models/ -> (path inside the mediapipe wheel, sha256)
PINS: dict[str, tuple[str, str]] = {
    "face_detection_short_range.tflite": (
        "mediapipe/modules/face_detection/face_detection_short_range.tflite",
        "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
    ),
    "face_landmark.tflite": (
        "mediapipe/modules/face_landmark/face_landmark.tflite",
        "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814",
    ),
    "iris_landmark.tflite": (
        "mediapipe/modules/iris_landmark/iris_landmark.tflite",
        "d1744d2a09c25f501d39eba4faff47e53ecca8852c5ce19bce8eeac39357521f",
    ),
    # mesh + refined lips, eyes and irises in one model (478 points); its three custom ops run
    # on our kernels (kiosk/vision/ops)
    "face_landmark_with_attention.tflite": (
        "mediapipe/modules/face_landmark/face_landmark_with_attention.tflite",
        "e06a804e0144f9929eda782122916b35d60c697c3c9344013ca2bbe76a6ce2b4",
    ),
    # hands (Parkinson's protocol: hand tremor; kiosk/vision/hands.py)
    "palm_detection_lite.tflite": (
        "mediapipe/modules/palm_detection/palm_detection_lite.tflite",
        "e9a4aaddf90dda56a87235303cf00e4c2d3fb28725f68fd88772997dac905c18",
    ),
    "hand_landmark_full.tflite": (
        "mediapipe/modules/hand_landmark/hand_landmark_full.tflite",
        "11c272b891e1a99ab034208e23937a8008388cf11ed2a9d776ed3d01d0ba00e3",
    ),
}


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class ModelCheck:
    name: str
    ok: bool
    detail: str      # "sha256 ok", "missing", "sha256 mismatch: got ..."


def check_models(model_dir: Path) -> list[ModelCheck]:
    """Presence and sha256 of each pinned model in ``model_dir``."""
    out = []
    for name, (_, pin) in PINS.items():
        path = Path(model_dir) / name
        if not path.is_file():
            out.append(ModelCheck(name, False, f"missing from {model_dir} (run scripts/fetch_models)"))
            continue
        got = sha256_file(path)
        out.append(ModelCheck(name, got == pin, "sha256 ok" if got == pin else
                              f"sha256 mismatch: got {got[:12]}..., pinned {pin[:12]}... (re-run scripts/fetch_models)"))
    return out


#: models a session's assessment runs, per VisionConfig.landmark_model (the attention path
#: still runs face_landmark for the jittered copies and iris_landmark for the eyelids)
USED_BY: dict[str, tuple[str, ...]] = {
    "mesh_iris": ("face_detection_short_range.tflite", "face_landmark.tflite", "iris_landmark.tflite"),
    "attention": ("face_detection_short_range.tflite", "face_landmark.tflite", "iris_landmark.tflite",
                  "face_landmark_with_attention.tflite"),
}
#: the hand models, run when a video step shows hands (hand tremor)
HAND_MODELS: tuple[str, ...] = ("palm_detection_lite.tflite", "hand_landmark_full.tflite")


def model_versions(model_dir: Path, landmark_model: str = "mesh_iris", hands: bool = False) -> dict[str, str]:
    """Full sha256 of each model file the configured landmark path uses (and the hand models
    when ``hands``), "missing" when absent, stored with every session so a score names the
    exact model that made it (the report compares them with PINS)."""
    names = USED_BY[landmark_model] + (HAND_MODELS if hands else ())
    return {name: sha256_file(Path(model_dir) / name) if (Path(model_dir) / name).is_file() else "missing"
            for name in names}
