"""Named groups of MediaPipe face-mesh (468-point) indices.

Every other module refers to landmarks through these names; no bare indices elsewhere.
Sides are the patient's anatomical sides: ``R`` = patient's right = image left in an
unmirrored camera frame.  Right/left tuples are mirror pairs, element by element, so a
group mean on one side corresponds to the same anatomical spot on the other.

Reference: MediaPipe canonical face model (``canonical_face_model_uv_visualization``),
docs/metrics.md#landmarks.
"""
from __future__ import annotations

from dataclasses import dataclass

N_LANDMARKS = 468


@dataclass(frozen=True)
class SidePair:
    """The same anatomical point group on the patient's right and left."""

    right: tuple[int, ...]
    left: tuple[int, ...]

    def side(self, name: str) -> tuple[int, ...]:
        """Indices for ``"right"`` or ``"left"``."""
        if name == "right":
            return self.right
        if name == "left":
            return self.left
        raise ValueError(f"side must be 'right' or 'left', not {name!r}")


# Mouth: oral commissures (R 61, L 291) and lip centre.
MOUTH_CORNER = SidePair(right=(61,), left=(291,))
LIP_CENTRE_UPPER = (13,)
LIP_CENTRE_LOWER = (14,)
# Upper-lip points between commissure and philtrum (lifted by the snarl).
UPPER_LIP_LATERAL = SidePair(right=(40, 39), left=(270, 269))

# Eyes: corners (outer, inner) and mid-lid points (R 159/145, L 386/374) with
# their two neighbours so that a lid position is a 3-point mean.
EYE_OUTER_CORNER = SidePair(right=(33,), left=(263,))
EYE_INNER_CORNER = SidePair(right=(133,), left=(362,))
UPPER_LID = SidePair(right=(159, 158, 160), left=(386, 385, 387))
LOWER_LID = SidePair(right=(145, 144, 153), left=(374, 373, 380))

# Brows: the named points are R 105, L 334; the group is the middle of the upper brow contour.
BROW = SidePair(right=(105, 66, 63), left=(334, 296, 293))

# Nasal alae (R 129, L 358) with the alar base.
ALA = SidePair(right=(129, 98), left=(358, 327))

# Nasolabial fold, from the alar crease down to lateral of the commissure.
NASOLABIAL = SidePair(right=(203, 206, 216), left=(423, 426, 436))

# Facial midline, forehead to chin (docs/metrics.md#landmarks).
MIDLINE = (10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 164, 0, 17, 152)
# Midline points that expressions barely move (nasal bridge and dorsum): used for the
# face frame's vertical axis and the midline fit.
MIDLINE_RIGID = (9, 8, 168, 6, 197, 195, 5, 4)
# Mirror pairs that expressions move least: the four eye corners (canthi).  Their
# left-right vectors give the face frame's horizontal axis, their mean its origin, their
# span the per-frame size reference.  The temple/cheek contour (127/356, 234/454) is left
# out: the mesh moves it 2-3 mm during smile and pucker.
RIGID_PAIRS = SidePair(right=(33, 133), left=(263, 362))

# Upper-face groups whose non-rigid motion measures spontaneous expressivity (docs/parkinson.md#hypomimia;
# mirror pairs checked on the mirrored astronaut mesh, within 3.3 px): the whole brow contour, the
# infraorbital rim just below the lower lid, and the upper cheek (malar) surface.
BROW_CONTOUR = SidePair(right=(70, 63, 105, 66, 107, 46, 53, 52, 65, 55),
                        left=(300, 293, 334, 296, 336, 276, 283, 282, 295, 285))
INFRAORBITAL = SidePair(right=(31, 228, 229, 230, 111), left=(261, 448, 449, 450, 340))
UPPER_CHEEK = SidePair(right=(117, 118, 119, 50, 101, 100), left=(346, 347, 348, 280, 330, 329))
# Lips (corners, centres, upper and lower vermilion) and the chin: the articulators while talking.
LIPS_AND_CHIN = (61, 291, 0, 17, 13, 14, 37, 267, 84, 314, 152)
