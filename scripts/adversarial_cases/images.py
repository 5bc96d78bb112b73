"""Images: too small, too large (sized from the header before decoding), garbage and truncated
files are refused with ImageFileError; CMYK, 16-bit, alpha and animated images still read."""
from __future__ import annotations

import os
import resource
from pathlib import Path

import numpy as np

from scripts.adversarial_cases import Case, check, refused
from scripts.adversarial_cases._common import ROOT  # noqa: F401 (sys.path)

AREA = "images"


def _refused(name: str, make, needle: str = "", max_growth_mb: float = 200) -> Case:  # noqa: ANN001
    def run(tmp: Path) -> None:
        from kiosk.capture.media import ImageFileError, read_image
        p = make(tmp)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        refused(lambda: read_image(p), ImageFileError, needle)
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        check(grown < max_growth_mb, f"memory grew {grown:.0f} MB before refusing")
    return Case(f"refuse {name}", run, fast=name in ("1x1", "bomb_30000x30000", "garbage"))


def _reads(name: str, make) -> Case:  # noqa: ANN001
    def run(tmp: Path) -> None:
        from kiosk.capture.media import read_image
        rgb = read_image(make(tmp))
        check(rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3, f"got {rgb.dtype} {rgb.shape}")
    return Case(f"read {name}", run, fast=name == "rgba_png")


def _cv(name: str, arr: np.ndarray):  # noqa: ANN202
    def make(tmp: Path) -> Path:
        import cv2
        p = tmp / name
        cv2.imwrite(str(p), arr)
        return p
    return make


def _bytes(name: str, data_fn):  # noqa: ANN001, ANN202
    def make(tmp: Path) -> Path:
        p = tmp / name
        p.write_bytes(data_fn())
        return p
    return make


def _pil(name: str, mode: str, **save):  # noqa: ANN202
    def make(tmp: Path) -> Path:
        from PIL import Image
        p = tmp / name
        im = Image.new(mode, (96, 80), 100 if mode in ("L", "I;16") else (100,) * len(mode))
        if save.get("save_all"):
            frames = [Image.new("RGB", (96, 80), (i * 40, 0, 0)) for i in range(3)]
            frames[0].save(p, save_all=True, append_images=frames[1:])
        else:
            im.save(p)
        return p
    return make


def cases() -> list[Case]:
    from hostile_files import png_bytes
    return [
        _refused("1x1", _cv("1x1.png", np.zeros((1, 1, 3), np.uint8)), "too small"),
        _refused("20000x2", _cv("thin.png", np.zeros((2, 20000, 3), np.uint8)), "too small"),
        _refused("bomb_30000x30000", _bytes("bomb.png", lambda: png_bytes(30000, 30000)), "MP"),
        _refused("9000x6000", _bytes("big.png", lambda: png_bytes(9000, 6000)), "larger than"),
        _refused("garbage", _bytes("g.png", lambda: os.urandom(2000))),
        _refused("empty", _bytes("e.jpg", lambda: b"")),
        _refused("truncated_png", _bytes("t.png", lambda: png_bytes(64, 64)[:70])),
        _refused("text_as_jpg", _bytes("t.jpg", lambda: b"hello world" * 10)),
        _refused("folder", lambda tmp: (tmp / "d.png").mkdir() or tmp / "d.png"),
        _refused("fifo", lambda tmp: os.mkfifo(tmp / "f.png") or tmp / "f.png", "not a regular file"),
        _reads("cmyk_jpeg", _pil("cmyk.jpg", "CMYK")),
        _reads("16bit_png", _cv("d16.png", np.full((80, 96, 3), 30000, np.uint16))),
        _reads("rgba_png", _cv("rgba.png", np.full((80, 96, 4), 90, np.uint8))),
        _reads("grey_png", _cv("grey.png", np.full((80, 96), 90, np.uint8))),
        _reads("animated_gif", _pil("anim.gif", "RGB", save_all=True)),
    ]
