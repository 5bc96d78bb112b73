"""LiteRT (TFLite) model loader.

Tries ``ai_edge_litert`` (pinned 1.4.0, the last release with Raspberry Pi aarch64 wheels),
then ``tflite_runtime``; if neither imports, raises :class:`RuntimeUnavailable` with a
message saying what to install. No network access, ever: the model file must exist.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


class RuntimeUnavailable(RuntimeError):
    """No TFLite runtime could be imported, or a model file is missing/unreadable."""


def _interpreter_class() -> Any:
    try:
        from ai_edge_litert.interpreter import Interpreter
        return Interpreter
    except ImportError:
        pass
    try:
        from tflite_runtime.interpreter import Interpreter  # type: ignore[import-not-found]
        return Interpreter
    except ImportError as e:
        raise RuntimeUnavailable(
            "no TFLite runtime: install ai-edge-litert==1.4.0 (pip) or tflite-runtime"
        ) from e


class Model:
    """One TFLite model with a single float32 input; ``run`` returns the outputs in order.

    Parameters
    ----------
    path : model file (.tflite)
    threads : CPU threads for the interpreter (>= 1)
    delegates : LiteRT delegates applied before XNNPACK (e.g. our custom-op kernels)
    """

    def __init__(self, path: Path | str, threads: int = 2, delegates: tuple = ()) -> None:
        path = Path(path)
        if not path.is_file():
            raise RuntimeUnavailable(f"model file missing: {path} (run scripts/fetch_models)")
        interpreter_cls = _interpreter_class()
        try:
            self._it = interpreter_cls(model_path=str(path), num_threads=int(threads),
                                       experimental_delegates=list(delegates) or None)
            self._it.allocate_tensors()
        except (ValueError, RuntimeError) as e:
            raise RuntimeUnavailable(f"cannot load model {path}: {e}") from e
        inp = self._it.get_input_details()[0]
        self.input_index: int = inp["index"]
        self.input_shape: tuple[int, ...] = tuple(int(v) for v in inp["shape"])
        self._outputs = [d["index"] for d in self._it.get_output_details()]
        self.output_names: list[str] = [d["name"] for d in self._it.get_output_details()]
        self.name = path.stem

    def run(self, tensor: np.ndarray) -> list[np.ndarray]:
        """Run one inference on a float32 tensor shaped like ``input_shape`` (batch 1)."""
        x = np.ascontiguousarray(tensor, dtype=np.float32).reshape(self.input_shape)
        self._it.set_tensor(self.input_index, x)
        self._it.invoke()
        return [self._it.get_tensor(i).copy() for i in self._outputs]

    def run_uint8(self, image: np.ndarray, scale: float, offset: float) -> list[np.ndarray]:
        """Run on a uint8 (H, W, 3) image mapped to ``image * scale + offset``, written
        straight into the interpreter's input buffer (no intermediate float copy)."""
        view = self._it.tensor(self.input_index)()
        np.multiply(image, np.float32(scale), out=view[0], casting="unsafe")
        if offset:
            view += np.float32(offset)
        del view  # no numpy view may outlive the call into the interpreter
        self._it.invoke()
        return [self._it.get_tensor(i).copy() for i in self._outputs]
