"""Hands: mediapipe 0.10.21's palm detector and hand-landmark model on LiteRT, with tracking.

Rules from mediapipe's palm_detection_cpu.pbtxt, hand_landmark_cpu.pbtxt,
palm_detection_detection_to_roi.pbtxt, hand_landmark_landmarks_to_roi.pbtxt,
hand_landmarks_to_rect_calculator.cc and hand_landmark_tracking_cpu.pbtxt:

* Palm detector: the whole frame letterboxed to 192x192 in [0, 1] (zero border); SSD anchors
  (4 layers, strides 8/16/16/16, aspect 1 plus the interpolated scale, fixed size) = 2016
  anchors; 18 values per box (x, y, w, h and 7 keypoints, scale 192); sigmoid(clip(logit,
  +-100)) >= 0.5; weighted NMS at IoU 0.3. Keypoint 0 is the wrist centre, 2 the middle
  finger's MCP joint.
* Palm -> hand ROI: rotation turning wrist -> middle MCP to 90 deg (fingers up), the box
  shifted by -0.5 of its height along that axis (towards the fingers), squared on its long
  side and scaled 2.6.
* Hand-landmark model: 224x224 crop of the ROI in [0, 1] (border replicated); 21 landmarks
  (x, y, z / 224, projected onto the ROI), hand presence (>= 0.5 keeps the hand), handedness
  and 21 metric "world" landmarks (metres, origin at the hand's centre, axes rotated back to
  the image's).
* Landmarks -> next frame's ROI (tracking): rotation from the wrist to the mean of the middle
  MCP and the mean of the index and ring MCPs, the rotated bounding box of 12 palm and
  proximal-finger landmarks, shifted -0.1, squared, scaled 2.0.
* Tracking: the palm detector runs only while fewer hands are tracked than wanted; a new palm
  whose ROI overlaps a tracked hand's (IoU > 0.5) is dropped (the tracked one wins).

Handedness: mediapipe's label assumes a mirrored (selfie) image. The kiosk camera is not
mirrored (kiosk/convention.py: sides are the patient's), so mediapipe's "Left" is the
patient's RIGHT hand; :attr:`Hand.right_score` is already the probability that the hand is
the patient's right.

Reference: Zhang F et al., "MediaPipe Hands: On-device Real-time Hand Tracking", CVPR
Workshop on Computer Vision for AR/VR, 2020 (arXiv:2006.10214).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from kiosk.vision.detector import Detection, detect_letterboxed
from kiosk.vision.roi import NormRect, crop_uint8, project_landmarks, rect_from_box, rotation_from_points, \
    transform_rect
from kiosk.vision.runtime import Model

PALM_INPUT = 192
HAND_INPUT = 224
N_LANDMARKS = 21
N_PALM_KEYPOINTS = 7
WRIST, INDEX_MCP, MIDDLE_MCP, RING_MCP, PINKY_MCP = 0, 5, 9, 13, 17
PALM_POINTS = (0, 1, 5, 9, 13, 17)      # wrist, thumb CMC and the four finger MCPs: the back of the hand
ROI_POINTS = (0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18)   # HandLandmarksToRectCalculator's partial set
NORMALIZE_Z = 0.4
MIN_ROI_IOU = 0.5

#: the two model files in models/ (kiosk/vision/models.py pins them): the lite palm detector
#: (it found the real test hand in every frame where the full one missed it in 17-83 % of them)
#: and the full landmark model (its knuckles fit the hand-size scale; the lite one's were 20 %
#: closer together): docs/parkinson.md#hand-tremor
PALM_MODEL = "palm_detection_lite.tflite"
HAND_MODEL = "hand_landmark_full.tflite"


@dataclass(frozen=True)
class Hand:
    """One hand in one frame.

    landmarks: (21, 3) image-normalized (x, y as fractions of width/height, z scaled like x);
    world_mm: (21, 3) the model's metric landmarks (mm, origin at the hand's centre, image axes);
    presence: 0..1; right_score: probability it is the PATIENT's right hand (0..1);
    roi: the crop the model saw; track: id of the track it belongs to (-1 untracked).
    """

    landmarks: np.ndarray
    world_mm: np.ndarray
    presence: float
    right_score: float
    roi: NormRect
    track: int = -1

    def landmarks_px(self, image_w: int, image_h: int) -> np.ndarray:
        """(21, 2) landmark positions in pixels."""
        return self.landmarks[:, :2] * np.array([image_w, image_h], dtype=np.float64)

    @property
    def side(self) -> str:
        """"right" or "left": the patient's side by the handedness model alone."""
        return "right" if self.right_score >= 0.5 else "left"


def palm_to_roi(d: Detection, image_w: int, image_h: int) -> NormRect:
    """Hand ROI from a palm detection (PalmDetectionDetectionToRoi)."""
    rot = rotation_from_points(d.keypoints[0], d.keypoints[2], image_w, image_h, target_deg=90.0)
    return transform_rect(rect_from_box(*d.box, rot), image_w, image_h, 2.6, shift_y=-0.5)


def landmarks_to_roi(landmarks: np.ndarray, image_w: int, image_h: int) -> NormRect:
    """Next frame's hand ROI from (21, 2+) normalized landmarks (HandLandmarkLandmarksToRoi)."""
    pts = np.asarray(landmarks, dtype=np.float64)[list(ROI_POINTS), :2]
    size = np.array([image_w, image_h], dtype=np.float64)
    # the partial set's indices 4, 6, 8 are the index, middle and ring MCPs
    x1y1 = ((pts[4] + pts[8]) / 2 + pts[6]) / 2
    rotation = rotation_from_points(pts[0], x1y1, image_w, image_h, target_deg=90.0)
    centre_aa = (pts.max(axis=0) + pts.min(axis=0)) / 2
    rel = (pts - centre_aa) * size
    c, s = math.cos(-rotation), math.sin(-rotation)
    proj = np.column_stack([rel[:, 0] * c - rel[:, 1] * s, rel[:, 0] * s + rel[:, 1] * c])
    lo, hi = proj.min(axis=0), proj.max(axis=0)
    pc = (lo + hi) / 2
    cr, sr = math.cos(rotation), math.sin(rotation)
    centre = np.array([pc[0] * cr - pc[1] * sr, pc[0] * sr + pc[1] * cr]) + centre_aa * size
    rect = NormRect(float(centre[0] / image_w), float(centre[1] / image_h),
                    float((hi[0] - lo[0]) / image_w), float((hi[1] - lo[1]) / image_h), rotation)
    return transform_rect(rect, image_w, image_h, 2.0, shift_y=-0.1)


def rect_iou(a: NormRect, b: NormRect) -> float:
    """IoU of the axis-aligned extents of two rects (AssociationNormRectCalculator ignores rotation)."""
    ax0, ay0, ax1, ay1 = a.x_center - a.width / 2, a.y_center - a.height / 2, a.x_center + a.width / 2, \
        a.y_center + a.height / 2
    bx0, by0, bx1, by1 = b.x_center - b.width / 2, b.y_center - b.height / 2, b.x_center + b.width / 2, \
        b.y_center + b.height / 2
    ix, iy = max(0.0, min(ax1, bx1) - max(ax0, bx0)), max(0.0, min(ay1, by1) - max(ay0, by0))
    inter = ix * iy
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union > 0 else 0.0


def decode_hand(raw: dict[str, np.ndarray], roi: NormRect) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The hand model's named outputs -> (landmarks (21, 3) image-normalized, world (21, 3) mm,
    presence, patient's-right probability). Outputs: Identity landmarks (63, px of the 224 crop),
    Identity_1 presence, Identity_2 handedness (P(mediapipe "Left") = P(patient's right) with an
    unmirrored camera), Identity_3 world landmarks (63, metres)."""
    norm = raw["Identity"].reshape(N_LANDMARKS, 3).astype(np.float64) / HAND_INPUT
    norm[:, 2] /= NORMALIZE_Z
    lm = project_landmarks(norm, roi)
    w = raw["Identity_3"].reshape(N_LANDMARKS, 3).astype(np.float64) * 1000.0
    c, s = math.cos(roi.rotation), math.sin(roi.rotation)      # WorldLandmarkProjectionCalculator
    world = np.column_stack([c * w[:, 0] - s * w[:, 1], s * w[:, 0] + c * w[:, 1], w[:, 2]])
    return lm, world, float(raw["Identity_1"].reshape(-1)[0]), float(raw["Identity_2"].reshape(-1)[0])


class PalmDetector:
    """BlazePalm on a whole RGB frame; detections in image-normalized coordinates, best first."""

    def __init__(self, model: Model, min_score: float = 0.5) -> None:
        self.model = model
        self.min_score = min_score

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        return detect_letterboxed(self.model, rgb, PALM_INPUT, (0.0, 1.0), N_PALM_KEYPOINTS, self.min_score)


class HandLandmarker:
    """The hand-landmark model on a rotated ROI."""

    def __init__(self, model: Model) -> None:
        self.model = model

    def run(self, rgb: np.ndarray, roi: NormRect) -> Hand:
        crop = crop_uint8(rgb, roi, HAND_INPUT, HAND_INPUT, cv2.BORDER_REPLICATE)
        outs = self.model.run_uint8(crop, 1.0 / 255.0, 0.0)
        lm, world, presence, right = decode_hand(dict(zip(self.model.output_names, outs)), roi)
        return Hand(lm, world, presence, right, roi)


@dataclass
class HandTracker:
    """Detect and track up to ``num_hands`` hands over a video (HandLandmarkTrackingCpu).

    ``process(rgb)`` returns the hands of one frame, each with a track id that stays the same
    while the hand is followed from frame to frame.
    """

    model_dir: Path
    num_hands: int = 2
    threads: int = 1
    min_detection_score: float = 0.5
    min_presence: float = 0.5
    _prev: list[tuple[int, NormRect]] = field(default_factory=list, init=False)
    _next_id: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        d = Path(self.model_dir)
        self.palms = PalmDetector(Model(d / PALM_MODEL, self.threads), self.min_detection_score)
        self.landmarker = HandLandmarker(Model(d / HAND_MODEL, self.threads))

    def reset(self) -> None:
        self._prev = []

    def process(self, rgb: np.ndarray) -> list[Hand]:
        h, w = rgb.shape[:2]
        rois = list(self._prev)
        if len(rois) < self.num_hands:
            for det in self.palms.detect(rgb)[:self.num_hands]:
                roi = palm_to_roi(det, w, h)
                if all(rect_iou(roi, r) <= MIN_ROI_IOU for _, r in rois):
                    rois.append((self._next_id, roi))
                    self._next_id += 1
        hands: list[Hand] = []
        for track, roi in rois[:self.num_hands]:
            hand = self.landmarker.run(rgb, roi)
            if hand.presence >= self.min_presence:
                hands.append(Hand(hand.landmarks, hand.world_mm, hand.presence, hand.right_score, roi, track))
        self._prev = [(hd.track, landmarks_to_roi(hd.landmarks, w, h)) for hd in hands]
        return hands
