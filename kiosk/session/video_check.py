"""Quality verdict of a video step (docs/parkinson.md#protocol): a pure function of what was recorded.

A video step passes when the file holds the window at a rate tremor can be measured at, and,
for the steps that look at the face (``sit_still``, ``spontaneous``), when the face was seen in
most of the frames the live analysis checked during the window:

- at least ``MIN_VIDEO_FPS`` frames/s measured from the frames' timestamps: rest tremor is
  4-6 Hz and postural tremor 5-8 Hz; at 20 frames/s the Nyquist limit is 10 Hz, so 8 Hz is
  sampled without aliasing, with a margin for dropped frames (the camera runs at 30);
- frames covering at least ``MIN_COVER`` of the capture window (a camera that stalled or
  dropped most frames does not);
- face steps: at least ``MIN_FACE_CHECKS`` frames analysed and one lit, near enough face in at
  least ``MIN_FACE_FRACTION`` of them (kiosk.session.workers.face_seen); otherwise the most
  frequent problem, as the face steps' prompt ("We cannot see your face...", "More light...").

The hands steps need only the frames: the hands are found later, by the hand models.
"""
from __future__ import annotations

from collections import Counter

from kiosk.capture.recorder import VideoFile
from kiosk.protocol import Verdict

MIN_VIDEO_FPS = 20.0
MIN_COVER = 0.8
MIN_FACE_FRACTION = 0.8
MIN_FACE_CHECKS = 5

MESSAGES = {
    "video_error": "The video could not be saved. Please ask the nurse.",
    "too_few_frames": "The camera sent too few pictures. Let's try again.",
    "not_checked": "We could not check the picture. Please look at the camera.",
}


def video_verdict(video: VideoFile, capture_s: float, *, need_face: bool, face_frames: int = 0,
                  analysed: int = 0, reasons: Counter | None = None) -> Verdict:
    """Verdict of one recorded video step. ``face_frames``/``analysed``: frames with a face seen /
    frames analysed during the window; ``reasons``: (code, message) counts of the frames without."""
    if video.error:
        return Verdict(False, "video_error", MESSAGES["video_error"])
    if video.fps is None or video.fps < MIN_VIDEO_FPS or video.duration_s < MIN_COVER * capture_s:
        return Verdict(False, "too_few_frames", MESSAGES["too_few_frames"])
    if not need_face:
        return Verdict(True, "ok", "")
    if analysed < MIN_FACE_CHECKS:
        return Verdict(False, "not_checked", MESSAGES["not_checked"])
    if face_frames >= MIN_FACE_FRACTION * analysed:
        return Verdict(True, "ok", "")
    if not reasons:
        return Verdict(False, "no_face", "We cannot see your face. Please look at the camera.")
    (code, message), _ = reasons.most_common(1)[0]
    return Verdict(False, code, message)
