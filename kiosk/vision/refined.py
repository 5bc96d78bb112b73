"""Refined face mesh: 478 landmarks (468 mesh + refined lips, eyes and two irises) from one
model, mediapipe's ``face_landmark_with_attention.tflite`` (what ``refine_landmarks=True`` runs).

Rules from mediapipe 0.10.21 face_landmark_cpu.pbtxt (with_attention) and
tensors_to_face_landmarks_with_attention.pbtxt: the same 192x192 [0, 1] ROI crop as the mesh;
outputs in 192-px tensor units: mesh (468, 3), lips (80, 2), patient's right eye (71, 2, mesh
33 side, called "left_eye" in the model), patient's left eye (71, 2), and the two irises
(5, 2 each). LandmarksRefinementCalculator writes lips and eyes over the mesh x, y (z kept),
appends the irises as 468..472 (mesh-33 eye) and 473..477, each iris z = mean z of its eye's
16 lid-margin points. Then projection onto the ROI as for the mesh.

The refinement index maps are the landmark subsets the model itself crops with (the
``subset_idxs`` of its Landmarks2TransformMatrix ops), read from the model file, so they
cannot drift from it. The model's three custom ops run on kiosk.vision.ops.

Why it is not the default (VisionConfig.landmark_model = "mesh_iris"), measured 2026-11-30:
its 468-point mesh is a different model from face_landmark.tflite (mediapipe itself: 1.3-1.9 %
of the eye distance mean difference, up to 5.6 %, on the parity frames), and the face metrics
were calibrated on face_landmark. With this model throughout the assessment (mesh, jittered
copies, and eyelids from its 16 refined lid points instead of the iris model's contour),
tests/test_face_synthetic.py gave 30 passed, 3 failed: eye_tight ratio change under yaw -8 deg
0.094 (tolerance 0.07), pucker change when the patient moves closer 0.130 (0.12); and the
mesh-only smile ratio of a one-sided smile fell to 0.05 (test expects the old mesh's symmetric
prior, > 0.25: the lips follow one-sided movement better). Drop-in (eyelids still from the
iris model): eye_tight change 0.092 under brightness x1.25. Switching needs recalibration.

Reference: Grishchenko et al., "Attention Mesh: High-fidelity Face Mesh Prediction in
Real-time", CVPR Workshops 2020.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from kiosk.config import VisionConfig
from kiosk.vision import ops
from kiosk.vision.mesh import INPUT_SIZE, N_LANDMARKS, MeshResult
from kiosk.vision.roi import NormRect, crop_uint8, project_landmarks
from kiosk.vision.runtime import Model, RuntimeUnavailable

MODEL_FILE = "face_landmark_with_attention.tflite"
N_REFINED = 478
RIGHT_IRIS = slice(468, 473)   # patient's right eye (mesh 33/133), centre first
LEFT_IRIS = slice(473, 478)    # patient's left eye (mesh 362/263)
N_LID_MARGIN = 16              # first 16 eye points: lower then upper lid margin

#: model output name -> the refinement group it feeds
_OUTPUTS = {"lips": "output_lips", "right_eye": "output_left_eye", "left_eye": "output_right_eye",
            "right_iris": "output_left_iris", "left_iris": "output_right_iris",
            "mesh": "output_mesh_identity", "flag": "conv_faceflag"}
#: Landmarks2TransformMatrix rotation landmark (left_rotation_idx) -> refinement group
_CROP_KEYS = {61: "lips", 33: "right_eye", 362: "left_eye"}


@dataclass(frozen=True)
class RefinementMaps:
    """Mesh indices written by each refined group (in the model's output order)."""

    lips: np.ndarray       # (80,)
    right_eye: np.ndarray  # (71,) patient's right eye, mesh 33 first
    left_eye: np.ndarray   # (71,) patient's left eye, mesh 263 first


def refinement_maps(model_path: Path | str) -> RefinementMaps:
    """Read the lips/eye subsets from the model's Landmarks2TransformMatrix options."""
    try:
        from ai_edge_litert import schema_py_generated as schema
        from flatbuffers import flexbuffers
    except ImportError as e:
        raise RuntimeUnavailable("reading the attention model needs ai-edge-litert and flatbuffers") from e
    buf = Path(model_path).read_bytes()
    model = schema.Model.GetRootAsModel(buf, 0)
    codes = [model.OperatorCodes(i).CustomCode() for i in range(model.OperatorCodesLength())]
    graph = model.Subgraphs(0)
    found: dict[str, np.ndarray] = {}
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        if codes[op.OpcodeIndex()] != b"Landmarks2TransformMatrix":
            continue
        opts = flexbuffers.Loads(bytes(op.CustomOptionsAsNumpy()))
        key = _CROP_KEYS.get(int(opts["left_rotation_idx"]))
        if key is not None:
            found[key] = np.asarray(opts["subset_idxs"], dtype=np.intp)
    sizes = {"lips": 80, "right_eye": 71, "left_eye": 71}
    if {k: len(v) for k, v in found.items()} != sizes:
        raise RuntimeUnavailable(f"{Path(model_path).name}: unexpected refinement subsets "
                                 f"{ {k: len(v) for k, v in found.items()} }")
    return RefinementMaps(**found)


def refine(raw: dict[str, np.ndarray], maps: RefinementMaps) -> np.ndarray:
    """Model outputs (tensor px) -> (478, 3) landmarks in tensor px, mediapipe's refinement."""
    pts = np.empty((N_REFINED, 3), dtype=np.float64)
    pts[:N_LANDMARKS] = raw["mesh"].reshape(N_LANDMARKS, 3)
    for group in ("lips", "right_eye", "left_eye"):
        idx = getattr(maps, group)
        pts[idx, :2] = raw[group].reshape(len(idx), 2)
    for rows, name, eye in ((RIGHT_IRIS, "right_iris", maps.right_eye), (LEFT_IRIS, "left_iris", maps.left_eye)):
        pts[rows, :2] = raw[name].reshape(5, 2)
        pts[rows, 2] = pts[eye[:N_LID_MARGIN], 2].mean()
    return pts


class AttentionMesh:
    """face_landmark_with_attention on a rotated ROI; a drop-in for FaceMesh whose results
    carry 478 landmarks."""

    def __init__(self, model_path: Path | str, threads: int = 1) -> None:
        try:
            delegate = ops.delegate()
        except (FileNotFoundError, OSError, ValueError) as e:
            raise RuntimeUnavailable(f"custom-op kernels unavailable: {e}") from e
        self.model = Model(model_path, threads, delegates=(delegate,))
        self.maps = refinement_maps(model_path)
        names = self.model.output_names
        missing = [n for n in _OUTPUTS.values() if n not in names]
        if missing:
            raise RuntimeUnavailable(f"{Path(model_path).name}: outputs {missing} missing")
        self._order = {k: names.index(n) for k, n in _OUTPUTS.items()}

    def run(self, rgb: np.ndarray, roi: NormRect) -> MeshResult:
        """478 landmarks (image-normalized, z scaled like x) for the face inside ``roi``."""
        crop = crop_uint8(rgb, roi, INPUT_SIZE, INPUT_SIZE, cv2.BORDER_REPLICATE)
        out = self.model.run_uint8(crop, 1.0 / 255.0, 0.0)
        raw = {k: out[i] for k, i in self._order.items()}
        norm = refine(raw, self.maps) / INPUT_SIZE
        presence = float(1.0 / (1.0 + np.exp(-float(raw["flag"].reshape(-1)[0]))))
        return MeshResult(project_landmarks(norm, roi), presence, roi)


def landmark_path_check(config: VisionConfig) -> tuple[bool, str]:
    """Which landmark path a FacePipeline with the iris runs, found by loading the model:
    (True, what) when the configured path is the one that runs, (False, why) on fallback."""
    if config.landmark_model == "mesh_iris":
        return True, "mesh_iris (face_landmark + iris_landmark on each eye), chosen in the config"
    try:
        AttentionMesh(Path(config.model_dir) / MODEL_FILE, 1)
    except RuntimeUnavailable as e:
        return False, f"mesh_iris fallback, the attention model does not load: {e}"
    return True, f"attention ({MODEL_FILE}: 478 points, custom ops on our kernels)"
