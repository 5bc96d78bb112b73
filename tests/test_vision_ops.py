"""Our kernels for the attention model's three custom ops (kiosk/vision/ops/face_ops.c).

Each kernel is checked on the model's own intermediate tensors (a real face, the interpreter
keeping every tensor) against a numpy transcription of the op's documented behaviour, and the
C options reader against the flexbuffers package.
"""
from __future__ import annotations

import ctypes
import math

import numpy as np
import pytest
from flatbuffers import flexbuffers
from skimage import data

from kiosk.vision import ops
from kiosk.vision.mesh import INPUT_SIZE
from kiosk.vision.refined import MODEL_FILE as ATTENTION_MODEL
from kiosk.vision.roi import crop_uint8
from kiosk.vision.runtime import RuntimeUnavailable

cv2 = pytest.importorskip("cv2")


def _custom_ops(model_path):
    """(custom name, options bytes, inputs, outputs) of every custom op in the model."""
    from ai_edge_litert import schema_py_generated as schema
    m = schema.Model.GetRootAsModel(model_path.read_bytes(), 0)
    codes = [m.OperatorCodes(i).CustomCode() for i in range(m.OperatorCodesLength())]
    g = m.Subgraphs(0)
    out = []
    for i in range(g.OperatorsLength()):
        op = g.Operators(i)
        name = codes[op.OpcodeIndex()]
        if name:
            opts = bytes(op.CustomOptionsAsNumpy()) if op.CustomOptionsLength() else b""
            out.append((name.decode(), opts, list(op.InputsAsNumpy()), list(op.OutputsAsNumpy())))
    return out


@pytest.fixture(scope="module")
def model_path(model_dir):
    path = model_dir / ATTENTION_MODEL
    if not path.is_file():
        pytest.fail(f"{ATTENTION_MODEL} missing: run scripts/setup")
    return path


@pytest.fixture(scope="module")
def lib():
    if not ops.is_built():
        ops.build()
    return ctypes.CDLL(str(ops.LIBRARY))


@pytest.fixture(scope="module")
def traced(model_path, lib):
    """The model run on the astronaut's face crop, every tensor kept: (interpreter, ops)."""
    from ai_edge_litert.interpreter import Interpreter

    from kiosk.vision.roi import NormRect
    rgb = data.astronaut()
    crop = crop_uint8(rgb, NormRect(225 / 512, 125 / 512, 190 / 512, 190 / 512, 0.0), INPUT_SIZE, INPUT_SIZE,
                      cv2.BORDER_REPLICATE)
    it = Interpreter(model_path=str(model_path), num_threads=1, experimental_delegates=[ops.delegate()],
                     experimental_preserve_all_tensors=True)
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], crop[None].astype(np.float32) / 255.0)
    it.invoke()
    return it, _custom_ops(model_path)


def _l2tm_numpy(lm, opts):
    """Landmarks2TransformMatrix v2 as documented: rotation = target - angle(left -> right);
    box of the subset in the frame rotated by it; M = T(centre) R(-rotation) S(box * scale /
    out size) T(-out size / 2)."""
    lm = lm.reshape(-1, 3).astype(np.float64)
    left, right = lm[opts["left_rotation_idx"]], lm[opts["right_rotation_idx"]]
    r = opts["target_rotation_radians"] - math.atan2(right[1] - left[1], right[0] - left[0])
    rot = np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]])
    pts = lm[opts["subset_idxs"], :2] @ rot.T
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre = rot.T @ ((lo + hi) / 2)
    size = hi - lo

    def t(x, y):
        return np.array([[1, 0, 0, x], [0, 1, 0, y], [0, 0, 1, 0], [0, 0, 0, 1.0]])
    r4 = np.eye(4)
    r4[:2, :2] = rot.T
    s4 = np.diag([opts["scale_x"] * size[0] / opts["output_width"],
                  opts["scale_y"] * size[1] / opts["output_height"], 1, 1])
    return t(*centre) @ r4 @ s4 @ t(-opts["output_width"] / 2, -opts["output_height"] / 2)


def _ttb_numpy(feat, m, oh, ow):
    """TransformTensorBilinear v2: sample at M (x + 0.5, y + 0.5) - 0.5; 0 outside the map."""
    _, h, w, c = feat.shape
    f = feat[0].astype(np.float64)
    out = np.zeros((oh, ow, c))
    for y in range(oh):
        for x in range(ow):
            sx = m[0, 0] * (x + 0.5) + m[0, 1] * (y + 0.5) + m[0, 3] - 0.5
            sy = m[1, 0] * (x + 0.5) + m[1, 1] * (y + 0.5) + m[1, 3] - 0.5
            if not (0 <= sx <= w - 1 and 0 <= sy <= h - 1):
                continue
            x0, y0 = int(math.floor(sx)), int(math.floor(sy))
            fx, fy = sx - x0, sy - y0

            def px(yy, xx):
                return f[yy, xx] if yy < h and xx < w else 0.0
            out[y, x] = ((1 - fx) * (1 - fy) * px(y0, x0) + fx * (1 - fy) * px(y0, x0 + 1)
                         + (1 - fx) * fy * px(y0 + 1, x0) + fx * fy * px(y0 + 1, x0 + 1))
    return out[None]


def test_library_exports_only_the_delegate_interface_and_test_entry_points(lib):
    for name in ("tflite_plugin_create_delegate", "tflite_plugin_destroy_delegate", "faceops_parse_l2tm"):
        assert hasattr(lib, name)


def test_model_has_the_three_custom_ops(traced):
    _, custom = traced
    names = [c[0] for c in custom]
    assert names.count("Landmarks2TransformMatrix") == 3 and names.count("TransformTensorBilinear") == 3
    assert names.count("TransformLandmarks") == 5


def test_options_reader_matches_flexbuffers(traced, lib):
    class Info(ctypes.Structure):
        _fields_ = [(n, ctypes.c_int) for n in ("left_idx", "right_idx", "out_w", "out_h", "n_subset")] + \
                   [(n, ctypes.c_float) for n in ("target_rad", "scale_x", "scale_y")]
    for name, opts, _, _ in traced[1]:
        if name != "Landmarks2TransformMatrix":
            continue
        want = flexbuffers.Loads(opts)
        info, subset = Info(), (ctypes.c_int * 200)()
        buf = ctypes.create_string_buffer(opts, len(opts))
        assert lib.faceops_parse_l2tm(buf, ctypes.c_size_t(len(opts)), ctypes.byref(info), subset, 200) == 0
        assert (info.left_idx, info.right_idx) == (want["left_rotation_idx"], want["right_rotation_idx"])
        assert (info.out_w, info.out_h) == (want["output_width"], want["output_height"])
        assert (info.scale_x, info.scale_y, info.target_rad) == (want["scale_x"], want["scale_y"],
                                                                 want["target_rotation_radians"])
        assert list(subset[:info.n_subset]) == want["subset_idxs"]
    bad = ctypes.create_string_buffer(b"\x00\x01\x02", 3)
    assert lib.faceops_parse_l2tm(bad, ctypes.c_size_t(3), ctypes.byref(Info()), (ctypes.c_int * 1)(), 1) == -1


def _tensors(traced, op_name: str, count: int):
    """(options, input arrays, output array) of each op named ``op_name`` (``count`` of them)."""
    it, custom = traced
    found = [(flexbuffers.Loads(opts) if opts else None, [it.get_tensor(i) for i in ins], it.get_tensor(outs[0]))
             for name, opts, ins, outs in custom if name == op_name]
    assert len(found) == count
    return found


def test_landmarks_to_transform_matrix(traced):
    for opts, (lm,), m in _tensors(traced, "Landmarks2TransformMatrix", 3):
        assert m.shape == (1, 4, 4)
        np.testing.assert_allclose(m[0], _l2tm_numpy(lm, opts), rtol=1e-4, atol=1e-3)
        assert abs(np.linalg.det(m[0, :2, :2])) > 0.01  # a real crop, not zeros


def test_transform_tensor_bilinear(traced):
    for opts, (feat, m), out in _tensors(traced, "TransformTensorBilinear", 3):
        want = _ttb_numpy(feat, m[0], opts["output_height"], opts["output_width"])
        assert out.shape == want.shape == (1, 16, 16, 32)
        np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-4)
        assert np.abs(out).max() > 0.1


def test_transform_landmarks(traced):
    for _, (pts, m), out in _tensors(traced, "TransformLandmarks", 5):
        want = pts[0].astype(np.float64) @ m[0, :2, :2].T.astype(np.float64) + m[0, :2, 3]
        assert out.shape == pts.shape
        np.testing.assert_allclose(out[0], want, rtol=1e-5, atol=1e-3)


def test_without_our_kernels_the_model_does_not_load(model_path):
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_path=str(model_path), num_threads=1)
    with pytest.raises(RuntimeError, match="Landmarks2TransformMatrix"):
        it.allocate_tensors()


def test_missing_library_is_a_clear_error(monkeypatch, model_dir):
    from kiosk.vision.refined import AttentionMesh
    monkeypatch.setattr(ops, "LIBRARY", ops.HERE / "not_built.so")
    with pytest.raises(RuntimeUnavailable, match="run scripts/setup"):
        AttentionMesh(model_dir / ATTENTION_MODEL)


def test_build_compiles_the_source(tmp_path):
    import shutil
    import subprocess
    cc = shutil.which("cc") or shutil.which("gcc")
    out = tmp_path / "libface_ops.so"
    r = subprocess.run(ops.compile_command(cc, out), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    syms = subprocess.run(["nm", "-D", "--defined-only", str(out)], capture_output=True, text=True).stdout
    assert "tflite_plugin_create_delegate" in syms and "tflite_plugin_destroy_delegate" in syms


def test_landmark_path_check_and_fallback(monkeypatch, model_dir):
    from kiosk.config import VisionConfig
    from kiosk.vision.pipeline import FacePipeline
    from kiosk.vision.refined import landmark_path_check
    attention = VisionConfig(model_dir=model_dir, landmark_model="attention")
    ok, what = landmark_path_check(attention)
    assert ok and what.startswith("attention")
    ok, what = landmark_path_check(VisionConfig(model_dir=model_dir, landmark_model="mesh_iris"))
    assert ok and what.startswith("mesh_iris") and "config" in what
    monkeypatch.setattr(ops, "LIBRARY", ops.HERE / "not_built.so")
    ok, what = landmark_path_check(attention)
    assert not ok and "fallback" in what and "scripts/setup" in what
    pipe = FacePipeline(attention)  # configured attention, falls back
    assert pipe.landmark_path == "mesh_iris" and pipe.eyes is not None and "scripts/setup" in pipe.fallback_reason
    r = pipe.process(data.astronaut())
    assert r.face.landmarks_refined_px is None and r.face.mm_per_px > 0
    pipe.close()
    with pytest.raises(RuntimeUnavailable):
        FacePipeline(VisionConfig(model_dir=model_dir), refined=True)
    assert FacePipeline(VisionConfig(model_dir=model_dir)).landmark_path == "mesh_iris"  # the default
