"""Rotated regions of interest and image-to-tensor crops, following mediapipe 0.10.21.

A :class:`NormRect` is mediapipe's ``NormalizedRect``: centre and size as fractions of the
image width/height, rotation in radians (positive = clockwise on screen, since y points down).
The rules reproduced here (read from mediapipe's graphs and calculators):

* DetectionsToRectsCalculator: box centre and size from the bounding box; rotation
  ``target - atan2(-(y1 - y0), x1 - x0)`` from two keypoints, in pixels.
* RectTransformationCalculator: shift along the rect's rotated axes, ``square_long`` (long
  side in px), then ``scale_x/y``.
* ImageToTensorCalculator (OpenCV path): ``cv2.boxPoints`` of the rotated rect in px mapped
  onto the tensor's corners by a perspective transform, ``warpPerspective`` INTER_LINEAR on
  the uint8 image, then a linear map of 0..255 to the tensor's value range. That map is
  affine; we warp with the equivalent affine (:func:`crop_uint8`).
* LandmarkProjectionCalculator: rotate (x-0.5, y-0.5) by the rect's rotation, scale by the
  rect size, add the centre; z is scaled by the rect width.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class NormRect:
    """Rotated rectangle in normalized image coordinates (fractions of width/height)."""

    x_center: float
    y_center: float
    width: float
    height: float
    rotation: float = 0.0  # radians

    def to_px(self, image_w: int, image_h: int) -> tuple[float, float, float, float, float]:
        """(cx, cy, w, h) in pixels and the rotation in radians."""
        return (self.x_center * image_w, self.y_center * image_h,
                self.width * image_w, self.height * image_h, self.rotation)

    def corners_px(self, image_w: int, image_h: int) -> np.ndarray:
        """(4, 2) corner points in pixels (cv2.boxPoints order)."""
        cx, cy, w, h, r = self.to_px(image_w, image_h)
        return cv2.boxPoints(((cx, cy), (w, h), math.degrees(r))).astype(np.float64)


def normalize_radians(angle: float) -> float:
    """Angle wrapped into [-pi, pi)."""
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))


def rotation_from_points(p0: np.ndarray, p1: np.ndarray, image_w: int, image_h: int,
                         target_deg: float = 0.0) -> float:
    """Rect rotation (rad) that turns the vector p0->p1 (normalized coords) to ``target_deg``."""
    x0, y0 = p0[0] * image_w, p0[1] * image_h
    x1, y1 = p1[0] * image_w, p1[1] * image_h
    return normalize_radians(math.radians(target_deg) - math.atan2(-(y1 - y0), x1 - x0))


def rect_from_box(xmin: float, ymin: float, w: float, h: float, rotation: float) -> NormRect:
    """NormRect centred on a normalized box."""
    return NormRect(xmin + w / 2, ymin + h / 2, w, h, rotation)


def transform_rect(rect: NormRect, image_w: int, image_h: int, scale: float,
                   square_long: bool = True, shift_x: float = 0.0, shift_y: float = 0.0) -> NormRect:
    """RectTransformationCalculator: shift the centre by (shift_x, shift_y) of the rect's size
    along its own rotated axes (px), square on the long side (px), then scale."""
    w, h, r = rect.width, rect.height, rect.rotation
    x_shift = (image_w * w * shift_x * math.cos(r) - image_h * h * shift_y * math.sin(r)) / image_w
    y_shift = (image_w * w * shift_x * math.sin(r) + image_h * h * shift_y * math.cos(r)) / image_h
    if square_long:
        long_side = max(w * image_w, h * image_h)
        w, h = long_side / image_w, long_side / image_h
    return NormRect(rect.x_center + x_shift, rect.y_center + y_shift, w * scale, h * scale, r)


def rect_from_landmarks(points: np.ndarray, i0: int, i1: int, image_w: int, image_h: int,
                        scale: float) -> NormRect:
    """Landmarks -> bounding box -> rect rotated by points i0->i1 -> square_long, scaled."""
    xy = points[:, :2]
    xmin, ymin = xy.min(axis=0)
    xmax, ymax = xy.max(axis=0)
    rot = rotation_from_points(xy[i0], xy[i1], image_w, image_h)
    rect = rect_from_box(float(xmin), float(ymin), float(xmax - xmin), float(ymax - ymin), rot)
    return transform_rect(rect, image_w, image_h, scale)


def roi_matrix(rect: NormRect, image_w: int, image_h: int, out_w: int, out_h: int) -> np.ndarray:
    """3x3 perspective matrix mapping image px onto the tensor, as ImageToTensorCalculator."""
    src = rect.corners_px(image_w, image_h).astype(np.float32)
    dst = np.array([[0, out_h], [0, 0], [out_w, 0], [out_w, out_h]], dtype=np.float32)
    return cv2.getPerspectiveTransform(src, dst)


def tensor_to_image_affine(rect: NormRect, image_w: int, image_h: int, out_w: int, out_h: int) -> np.ndarray:
    """2x3 affine taking tensor px to image px: the map :func:`roi_matrix` inverts, written
    directly (tensor (0, 0) is the rect's top-left corner, x along the rotated width)."""
    cx, cy, w, h, r = rect.to_px(image_w, image_h)
    c, s = math.cos(r), math.sin(r)
    return np.array([[c * w / out_w, -s * h / out_h, cx - 0.5 * (c * w - s * h)],
                     [s * w / out_w, c * h / out_h, cy - 0.5 * (s * w + c * h)]], dtype=np.float64)


def crop_uint8(rgb: np.ndarray, rect: NormRect, out_w: int, out_h: int, border: int) -> np.ndarray:
    """Warp the rotated rect of an RGB uint8 image to (out_h, out_w, 3) uint8, INTER_LINEAR.

    The same sampling as ImageToTensorCalculator's warpPerspective of the rect's corners
    (the map is affine), done as one warpAffine with the tensor -> image map, so no corner
    points, perspective solve or matrix inversion per frame.
    """
    h, w = rgb.shape[:2]
    m = tensor_to_image_affine(rect, w, h, out_w, out_h)
    return cv2.warpAffine(rgb, m, (out_w, out_h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=border, borderValue=(0, 0, 0))


def crop_to_tensor(rgb: np.ndarray, rect: NormRect, out_w: int, out_h: int,
                   value_range: tuple[float, float], border: int) -> np.ndarray:
    """Warp the rotated rect of an RGB uint8 image to a float32 (out_h, out_w, 3) tensor
    whose values map 0..255 linearly onto ``value_range``."""
    crop = crop_uint8(rgb, rect, out_w, out_h, border)
    lo, hi = value_range
    return crop.astype(np.float32) * np.float32((hi - lo) / 255.0) + np.float32(lo)


def project_landmarks(norm: np.ndarray, rect: NormRect) -> np.ndarray:
    """Landmarks normalized to the ROI (N, 3) -> normalized image coords (N, 3)."""
    x = norm[:, 0] - 0.5
    y = norm[:, 1] - 0.5
    c, s = math.cos(rect.rotation), math.sin(rect.rotation)
    out = np.empty_like(norm, dtype=np.float64)
    out[:, 0] = (c * x - s * y) * rect.width + rect.x_center
    out[:, 1] = (s * x + c * y) * rect.height + rect.y_center
    out[:, 2] = norm[:, 2] * rect.width
    return out
