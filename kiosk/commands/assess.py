"""`kiosk assess SESSION_DIR [--json]`: scores from a recorded session folder.

Exit codes: 0 assessed (some steps may be missing: they are listed), 2 folder not found,
4 nothing could be assessed (no usable face or speech step).
"""
from __future__ import annotations

import argparse
import json
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("session_dir", metavar="SESSION_DIR",
                   help="folder with one file per step (rest.png, smile.mp4, vowel.wav, ...)")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")


def _summary(d: dict) -> str:
    lines = []
    face = d.get("face")
    if face:
        lines.append(f"affected side: {face['affected_side']} (confidence {face['affected_side_confidence']})")
        for name, r in face["regions"].items():
            lines.append(f"  {name:<11} ratio {r['ratio']}  weaker {r['weaker_side']}" + (f"  ({r['note']})" if r.get("note") else ""))
        sb, hb = face.get("sunnybrook") or {}, face.get("house_brackmann") or {}
        lines.append(f"Sunnybrook-style composite (estimate): {sb.get('composite')}"
                     + (f" - unavailable: {sb['unavailable_reason']}" if sb.get("unavailable_reason") else ""))
        lines.append(f"House-Brackmann (estimate): {hb.get('roman')}  severity: {face.get('severity_class')}"
                     + (f"  rules: {', '.join(hb['rules_applied'])}" if hb.get("rules_applied") else ""))
    speech = d.get("speech")
    if speech:
        lines.append(f"speech clarity score: {speech.get('clarity_score')}  MSII: {speech.get('msii')}")
    for k, v in (d.get("unavailable") or {}).items():
        lines.append(f"{k}: unavailable ({v})")
    for k, v in d["missing_steps"].items():
        lines.append(f"step {k}: {v}")
    lines.append(d["disclaimer"])
    return "\n".join(lines)


def run(args: argparse.Namespace, config) -> int:
    from kiosk.session.assess import assess_session_dir

    try:
        result = assess_session_dir(args.session_dir, config)
    except FileNotFoundError as e:
        print(f"kiosk assess: {e}", file=sys.stderr)
        return 2
    d = result.to_dict()
    print(json.dumps(d, indent=2, allow_nan=False) if args.json else _summary(d))
    return 0 if (d["face"] is not None or d["speech"] is not None) else 4
