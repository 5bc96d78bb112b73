"""`kiosk tremor VIDEO [--json]`: head, jaw and hand tremor (frequency Hz, amplitude mm, band power)
of a video of a patient sitting still (docs/cli.md#kiosk-tremor, docs/metrics.md#tremor,
docs/parkinson.md#hand-tremor). Hands are the patient's right and left.

Exit codes: 0 measured (whether or not a tremor was detected); 1 the video is unreadable, or
neither a single face nor a hand was seen long enough to measure; 4 the models could not be loaded.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("video", type=Path, help="video file (MP4, AVI, ...) at its native frame rate, 5 s or more")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _line(name: str, t: dict) -> str:
    if t["frequency_hz"] is None:
        return f"{name}: not measured ({t['reason']})"
    verdict = "tremor detected" if t["detected"] else "no tremor detected"
    return (f"{name}: {verdict}; peak {t['frequency_hz']:.2f} Hz, {t['amplitude_mm']:.2f} mm"
            + (f" ({t['reason']})" if t["reason"] else ""))


def run(args: argparse.Namespace, config) -> int:  # noqa: ANN001
    from kiosk.capture.media import read_video
    try:
        frames, fps = read_video(args.video)
    except (ValueError, OSError) as e:
        print(f"kiosk tremor: {args.video}: {e}", file=sys.stderr)
        return 1
    from kiosk.session.tremor import tremor_from_frames
    from kiosk.vision.runtime import RuntimeUnavailable
    try:
        result = tremor_from_frames(frames, fps, config.vision)
    except RuntimeUnavailable as e:
        print(f"kiosk tremor: the face or hand models could not be loaded ({e}); run scripts/setup", file=sys.stderr)
        return 4
    d = {"video": str(args.video), **result.to_dict()}
    if args.json:
        print(json.dumps(d, indent=2))
    else:
        print(f"{args.video}: {d['frames']} frames at {d['fps']:g} frames/s, face in {d['frames_with_face']}")
        print(_line("head", d["head"]))
        print(_line("jaw", d["jaw"]))
        for side in ("right", "left"):
            if d[f"hand_{side}"] is not None:
                print(_line(f"{side} hand", d[f"hand_{side}"]))
        hands = d["hands"]
        if hands is not None and hands["reason"]:
            print(f"hands: {hands['reason']}")
        elif hands is not None:
            src = {"given": "the face's iris", "iris": "the face's iris", "hand": "an average adult hand breadth"}
            print(f"hands (the patient's sides): in {hands['frames_with_hands']} frames, scale "
                  f"{hands['mm_per_px']:g} mm/px from {src.get(hands['scale_source'], hands['scale_source'])}")
        b = d["blinks"]
        if b and b["rate_per_min"] is not None:
            print(f"blinks: {b['count']} in {b['seconds']:g} s ({b['rate_per_min']:g} /min; healthy adults at rest "
                  f"about {b['norm_rate_per_min']['mean']:g} /min)")
        print(d["note"])
    measured = d["head"]["frequency_hz"] is not None or any(
        d[k] is not None and d[k]["frequency_hz"] is not None for k in ("hand_right", "hand_left"))
    if not measured:
        print(f"kiosk tremor: {d['head']['reason']}", file=sys.stderr)
    return 0 if measured else 1
