"""Spontaneous expressivity at the edge: the face pipeline on the spontaneous-speech video's frames
(:func:`kiosk.session.tremor.video_series`, landmarks, lid opening and iris scale), then
:func:`kiosk.face.hypomimia.expressivity_measure` (docs/parkinson.md#hypomimia)."""
from __future__ import annotations

import numpy as np

from kiosk.analytics.parkinson import Measure
from kiosk.config import VisionConfig
from kiosk.face.hypomimia import expressivity_measure
from kiosk.face.landmarks import N_LANDMARKS
from kiosk.session.tremor import VideoSeries, video_series


def expressivity_from_series(series: VideoSeries, fps: float, step: str = "spontaneous") -> Measure:
    """``expression.spontaneous_mm_s`` of a video already run through :func:`video_series`."""
    return expressivity_measure(series.landmarks_px, series.mm_per_px, fps, series.opening_px, step)


def expressivity_from_frames(frames: list[np.ndarray], fps: float, config: VisionConfig | None = None,
                             step: str = "spontaneous") -> Measure:
    """``expression.spontaneous_mm_s`` of a video's frames (RGB uint8) at ``fps`` frames per second."""
    if not frames:
        return expressivity_measure(np.zeros((0, N_LANDMARKS, 2)), None, fps, step=step)
    return expressivity_from_series(video_series(frames, config), fps, step)
