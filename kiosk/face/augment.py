"""Test-time augmentation: average the mesh over small shifts, scales and rotations.

Why: the face mesh's response to a mouth movement changes by 0.1-0.2 in symmetry ratio
with any small change of the input (a 2 % brightness or scale change, a re-sampling),
because its output is a regression with a face-shaped prior.  Averaging the landmarks
over ten slightly jittered copies of the frame (each mapped back to the original
coordinates) brings the smile ratio's spread under pose and brightness changes from
0.12-0.22 to mostly <= 0.05 (measured on synthetic faces; see the face report).  It is
applied only to the frames that are measured (the rest frame and each peak frame), not
to every frame of a clip.
"""
from __future__ import annotations

import numpy as np

# (dx px, dy px, scale, rotation deg) about the face centre
JITTERS: tuple[tuple[float, float, float, float], ...] = (
    (4, 3, 1.0, 0), (-4, -3, 1.0, 0), (4, -3, 1.0, 0), (-4, 3, 1.0, 0),
    (0, 0, 1.05, 0), (0, 0, 0.95, 0), (0, 0, 1.0, 3), (0, 0, 1.0, -3),
    (2, -2, 1.03, 2), (-2, 2, 0.97, -2),
)


def augmented_landmarks(pipeline, rgb: np.ndarray, landmarks_px: np.ndarray,
                        jitters: tuple[tuple[float, float, float, float], ...] = JITTERS) -> np.ndarray:
    """Mean (468, 3) landmarks over the frame and its jittered copies (image px).

    Copies where the pipeline finds no single face are skipped; the original frame's
    landmarks always count.  The pipeline's tracker is reset around each copy.
    """
    import cv2

    h, w = rgb.shape[:2]
    centre = (float(landmarks_px[:, 0].mean()), float(landmarks_px[:, 1].mean()))
    acc = [np.asarray(landmarks_px, dtype=np.float64)]
    for dx, dy, scale, rot in jitters:
        m = cv2.getRotationMatrix2D(centre, rot, scale)
        m[:, 2] += (dx, dy)
        img = cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        pipeline.reset()
        face = pipeline.process(img).face
        if face is None:
            continue
        lm = face.landmarks_px.astype(np.float64).copy()
        inv = cv2.invertAffineTransform(m)
        lm[:, :2] = lm[:, :2] @ inv[:, :2].T + inv[:, 2]
        lm[:, 2] /= scale
        acc.append(lm)
    pipeline.reset()
    return np.mean(acc, axis=0)
