"""BlazeFace short-range face detector (mediapipe 0.10.21 face_detection_short_range).

Rules from mediapipe's face_detection.pbtxt / face_detection_short_range.pbtxt:
128x128 input in [-1, 1], letterboxed keeping the aspect ratio (zero border); SSD anchors
(4 layers, strides 8/16/16/16, scales 0.1484375..0.75, offset 0.5, aspect 1 plus an
interpolated scale, fixed size) = 896 anchors; boxes decoded x/y/w/h with scale 128;
6 keypoints (patient's right eye, left eye, nose tip, mouth, right and left tragion in
image order: keypoint 0 is at image left); scores sigmoid(clip(logit, +-100)) >= 0.5;
weighted non-maximum suppression at IoU 0.3; the letterbox removed at the end.

Reference: Bazarevsky et al., "BlazeFace: Sub-millisecond Neural Face Detection on
Mobile GPUs", 2019.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from kiosk.vision.roi import NormRect, crop_uint8, rect_from_box, rotation_from_points, transform_rect
from kiosk.vision.runtime import Model

INPUT_SIZE = 128
STRIDES = (8, 16, 16, 16)
NMS_IOU = 0.3
SCORE_CLIP = 100.0


@dataclass(frozen=True)
class Detection:
    """One face: normalized box (xmin, ymin, width, height), 6 keypoints (6, 2), score 0..1."""

    box: tuple[float, float, float, float]
    keypoints: np.ndarray
    score: float

    def box_px(self, image_w: int, image_h: int) -> tuple[float, float, float, float]:
        """x0, y0, x1, y1 in pixels."""
        x, y, w, h = self.box
        return (x * image_w, y * image_h, (x + w) * image_w, (y + h) * image_h)


@lru_cache(maxsize=4)
def ssd_anchors(input_size: int = INPUT_SIZE, strides: tuple[int, ...] = STRIDES) -> np.ndarray:
    """(N, 2) anchor centres (x, y) in [0, 1] of mediapipe's SsdAnchorsCalculator with one aspect
    ratio (1.0) plus the interpolated scale and fixed anchor size (width = height = 1): 896 for the
    face detector (128 px), 2016 for the palm detector (192 px, same strides)."""
    centres: list[tuple[float, float]] = []
    layer = 0
    while layer < len(strides):
        n_same = 0
        while layer + n_same < len(strides) and strides[layer + n_same] == strides[layer]:
            n_same += 1
        per_cell = 2 * n_same  # aspect ratio 1.0 plus the interpolated scale, per layer
        fm = math.ceil(input_size / strides[layer])
        for y in range(fm):
            for x in range(fm):
                centres.extend([((x + 0.5) / fm, (y + 0.5) / fm)] * per_cell)
        layer += n_same
    return np.asarray(centres, dtype=np.float32)


def decode(regressors: np.ndarray, logits: np.ndarray, min_score: float, input_size: int = INPUT_SIZE,
           n_keypoints: int = 6) -> list[Detection]:
    """Decode raw SSD outputs (N x (4 + 2K), N) into tensor-normalized detections >= min_score
    (TensorsToDetectionsCalculator: x/y/w/h order, scale = input size, sigmoid of clipped logits)."""
    anchors = ssd_anchors(input_size)
    logit = np.clip(logits.reshape(-1).astype(np.float64), -SCORE_CLIP, SCORE_CLIP)
    scores = 1.0 / (1.0 + np.exp(-logit))
    keep = np.nonzero(scores >= min_score)[0]
    raw = regressors.reshape(-1, 4 + 2 * n_keypoints)[keep] / input_size
    a = anchors[keep]
    cx, cy = raw[:, 0] + a[:, 0], raw[:, 1] + a[:, 1]
    w, h = raw[:, 2], raw[:, 3]
    kps = raw[:, 4:].reshape(-1, n_keypoints, 2) + a[:, None, :]
    return [Detection((float(cx[i] - w[i] / 2), float(cy[i] - h[i] / 2), float(w[i]), float(h[i])),
                      kps[i].astype(np.float64), float(scores[k])) for i, k in enumerate(keep)]


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def weighted_nms(dets: list[Detection], iou_threshold: float = NMS_IOU) -> list[Detection]:
    """Weighted NMS (mediapipe WEIGHTED): each cluster's box and keypoints are the
    score-weighted mean of its members; the cluster keeps its best score."""
    remaining = sorted(dets, key=lambda d: -d.score)
    out: list[Detection] = []
    while remaining:
        top = remaining[0]
        cluster = [d for d in remaining if _iou(d.box, top.box) > iou_threshold]
        rest = [d for d in remaining if _iou(d.box, top.box) <= iou_threshold]
        wts = np.array([d.score for d in cluster])
        boxes = np.array([[d.box[0], d.box[1], d.box[0] + d.box[2], d.box[1] + d.box[3]] for d in cluster])
        x0, y0, x1, y1 = (wts @ boxes) / wts.sum()
        kps = np.tensordot(wts, np.stack([d.keypoints for d in cluster]), axes=1) / wts.sum()
        out.append(Detection((float(x0), float(y0), float(x1 - x0), float(y1 - y0)), kps, top.score))
        if len(rest) == len(remaining):
            break
        remaining = rest
    return out


class FaceDetector:
    """BlazeFace short range on a whole RGB frame; returns detections in image-normalized coords."""

    def __init__(self, model: Model, min_score: float = 0.5) -> None:
        self.model = model
        self.min_score = min_score

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        """All faces found (best first), boxes/keypoints normalized to the image."""
        return detect_letterboxed(self.model, rgb, INPUT_SIZE, (-1.0, 1.0), 6, self.min_score)


def detect_letterboxed(model: Model, rgb: np.ndarray, input_size: int, value_range: tuple[float, float],
                       n_keypoints: int, min_score: float) -> list[Detection]:
    """One SSD detector (BlazeFace, BlazePalm) on a whole RGB frame letterboxed to a square
    ``input_size`` tensor (zero border) in ``value_range``: decoded, weighted-NMS'd and mapped back
    to image-normalized coordinates, best first."""
    h, w = rgb.shape[:2]
    side = float(max(w, h))  # keep_aspect_ratio: pad the full-image ROI to a square
    roi = NormRect(0.5, 0.5, side / w, side / h, 0.0)
    crop = crop_uint8(rgb, roi, input_size, input_size, cv2.BORDER_CONSTANT)  # zero letterbox
    lo, hi = value_range
    regressors, logits = model.run_uint8(crop, (hi - lo) / 255.0, lo)
    dets = weighted_nms(decode(regressors, logits, min_score, input_size, n_keypoints))
    return [_unletterbox(d, side / w, side / h) for d in dets]


def _unletterbox(d: Detection, sx: float, sy: float) -> Detection:
    """Tensor-normalized -> image-normalized (DetectionProjectionCalculator, no rotation)."""
    x, y, bw, bh = d.box
    kp = np.column_stack([(d.keypoints[:, 0] - 0.5) * sx + 0.5, (d.keypoints[:, 1] - 0.5) * sy + 0.5])
    return Detection(((x - 0.5) * sx + 0.5, (y - 0.5) * sy + 0.5, bw * sx, bh * sy), kp, d.score)


def detection_to_roi(d: Detection, image_w: int, image_h: int) -> NormRect:
    """Face ROI for the mesh: rotation from the eye keypoints (0 -> 1), square long side, x1.5."""
    rot = rotation_from_points(d.keypoints[0], d.keypoints[1], image_w, image_h)
    return transform_rect(rect_from_box(*d.box, rot), image_w, image_h, 1.5)
