"""Our CPU kernels for the custom ops of face_landmark_with_attention.tflite (face_ops.c).

The C file is compiled once by ``scripts/setup`` (``python -m kiosk.vision.ops``) with the
system C compiler into ``libface_ops.so`` beside it (not tracked). LiteRT loads it as an
external delegate that claims the model's Landmarks2TransformMatrix, TransformTensorBilinear
and TransformLandmarks nodes; nothing is compiled or downloaded at run time.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "face_ops.c"
LIBRARY = HERE / "libface_ops.so"
CFLAGS = ["-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC"]


def compile_command(compiler: str, out: Path) -> list[str]:
    """The one compile line (setup, the aarch64 check and the tests use it)."""
    return [compiler, *CFLAGS, "-o", str(out), str(SOURCE), "-lm"]


def is_built() -> bool:
    """True when the library exists and is newer than its source."""
    return LIBRARY.is_file() and LIBRARY.stat().st_mtime >= SOURCE.stat().st_mtime


def build(compiler: str | None = None) -> Path:
    """Compile face_ops.c into libface_ops.so (atomically); raises RuntimeError with the
    compiler's message on failure."""
    cc = compiler or os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise RuntimeError("no C compiler (install gcc) to build kiosk/vision/ops/face_ops.c")
    tmp = LIBRARY.with_suffix(f".so.tmp{os.getpid()}")
    r = subprocess.run(compile_command(cc, tmp), capture_output=True, text=True)
    if r.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"building face_ops failed:\n{r.stderr.strip()}")
    os.replace(tmp, LIBRARY)
    return LIBRARY


def delegate():
    """A LiteRT delegate object running our three kernels (one per interpreter)."""
    if not is_built():
        raise FileNotFoundError(f"{LIBRARY.name} is not built or older than face_ops.c: run scripts/setup")
    try:
        from ai_edge_litert.interpreter import load_delegate
    except ImportError:
        from tflite_runtime.interpreter import load_delegate  # type: ignore[import-not-found]
    return load_delegate(str(LIBRARY))

