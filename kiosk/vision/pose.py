"""Head pose (yaw, pitch, roll in degrees) from the 3D face mesh.

Method: a face frame from three mesh directions, in pixel units with z scaled like x
(mediapipe's convention; z grows away from the camera):

* x axis: outer eye corners, patient's right (33) -> left (263);
* y axis: forehead top (10) -> below the nose (2), made orthogonal to x; both points sit
  on the rigid upper face, so opening the mouth or smiling does not change the pitch;
* z axis: x cross y (into the face).

Pitch 0 is the pose of mediapipe's canonical face model (face_geometry
canonical_face_model.obj), in which the forehead -> below-nose line leans
``NEUTRAL_PITCH_DEG`` = -8.7 deg (the nose base is nearer the camera than the forehead top).

Conventions (image y points down; "patient's left" is image right in an unmirrored frame):

* roll_deg  > 0: the face is turned clockwise on screen (the patient's left eye is lower).
* yaw_deg   > 0: the patient turns to their left (their left eye moves away from the camera).
* pitch_deg > 0: the chin goes down (the patient looks down).

Limits: the mesh's z is a learned relative depth, so the angles are estimates, not
measurements; faces differ from the canonical one by a few degrees (the astronaut portrait,
chin slightly down, reads pitch +8 deg; the same photo scaled, shifted or rolled reads
+8..+11 deg). The mesh model is trained on faces within about
+-45 deg; beyond that the angles are not trustworthy. Good enough for a quality gate
(|yaw| <= 12, |pitch| <= 15), not a measuring instrument.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

RIGHT_EYE_OUTER, LEFT_EYE_OUTER, FOREHEAD, BELOW_NOSE = 33, 263, 10, 2
NEUTRAL_PITCH_DEG = -8.7  # forehead -> below-nose line in mediapipe's canonical face model


@dataclass(frozen=True)
class HeadPose:
    """Head rotation in degrees (see module docstring for signs)."""

    yaw_deg: float
    pitch_deg: float
    roll_deg: float


def face_axes(landmarks_px: np.ndarray) -> np.ndarray:
    """3x3 rotation whose columns are the face's x (right->left eye), y (forehead->nose), z axes."""
    p = np.asarray(landmarks_px, dtype=np.float64)
    x = p[LEFT_EYE_OUTER] - p[RIGHT_EYE_OUTER]
    x /= np.linalg.norm(x)
    y = p[BELOW_NOSE] - p[FOREHEAD]
    y -= x * float(x @ y)
    y /= np.linalg.norm(y)
    return np.column_stack([x, y, np.cross(x, y)])


def head_pose(landmarks_px: np.ndarray) -> HeadPose:
    """Yaw, pitch and roll (deg) from (468, 3) landmarks in px (x, y, z scaled like x).

    Yaw from the depth slope of the eye line, roll from its image angle, pitch from the
    depth slope of the forehead -> below-nose line (in the plane orthogonal to the eye line),
    relative to the canonical face.
    """
    # face_axes in plain floats (the same maths, about 5x faster than small numpy arrays)
    p = landmarks_px
    r0, r1, top, nose = (p[i].tolist() for i in (RIGHT_EYE_OUTER, LEFT_EYE_OUTER, FOREHEAD, BELOW_NOSE))
    x = [a - b for a, b in zip(r1, r0)]
    nx = math.sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2])
    x = [v / nx for v in x]
    y = [a - b for a, b in zip(nose, top)]
    d = x[0] * y[0] + x[1] * y[1] + x[2] * y[2]
    y = [b - a * d for a, b in zip(x, y)]
    ny = math.sqrt(y[0] * y[0] + y[1] * y[1] + y[2] * y[2])
    y = [v / ny for v in y]
    z2 = x[0] * y[1] - x[1] * y[0]  # z component of x cross y
    yaw = math.asin(max(-1.0, min(1.0, x[2])))
    roll = math.atan2(x[1], x[0])
    pitch = math.degrees(math.atan2(y[2], z2)) - NEUTRAL_PITCH_DEG
    return HeadPose(math.degrees(yaw), (pitch + 180.0) % 360.0 - 180.0, math.degrees(roll))
