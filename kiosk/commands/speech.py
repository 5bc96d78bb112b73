"""`kiosk speech WAV --task vowel|ddk|sentence [--json]`: speech measures from one recording.

The WAV normally starts with the quiet lead-in (``audio.lead_in_s``, default 1 s); one that
starts with speech is analysed from its start (docs/speech.md#quality-gate). Exit codes:
0 measured; 2 file unreadable; 4 recording rejected by the quality gate or not analysable
(the message says why and what to do).
"""
from __future__ import annotations

import argparse
import json
import sys

TASK_STEP = {"vowel": "vowel", "ddk": "ddk_{syllable}", "sentence": "sentence"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("wav", metavar="WAV", help="recording (WAV, any rate, mono or stereo), normally starting with the quiet lead-in")
    p.add_argument("--task", required=True, choices=sorted(TASK_STEP), help="what the recording contains")
    p.add_argument("--syllable", default="pataka", choices=("pa", "ta", "ka", "pataka"),
                   help="for --task ddk: which repetition (label only; default pataka)")
    p.add_argument("--text", default=None, metavar="TEXT",
                   help="for --task sentence: what the recording reads (default: the kiosk's sentence)")
    p.add_argument("--lead-in", type=float, default=None, metavar="S",
                   help="silent lead-in in seconds (default: audio.lead_in_s from the config)")
    p.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace, config) -> int:
    from kiosk.capture.audio import AudioFileError, read_wav
    from kiosk.speech.battery import analyse_step

    try:
        x, sr = read_wav(args.wav)
    except AudioFileError as e:
        print(f"kiosk speech: {e}", file=sys.stderr)
        return 2
    lead_in = config.audio.lead_in_s if args.lead_in is None else args.lead_in
    if not 0.2 <= lead_in <= 5.0:
        print(f"kiosk speech: --lead-in must be between 0.2 and 5 s (got {lead_in})", file=sys.stderr)
        return 2
    step = TASK_STEP[args.task].format(syllable=args.syllable)
    extra = {}
    if args.text is not None:
        from kiosk.speech.intelligibility import expected_phones

        if args.task != "sentence":
            print("kiosk speech: --text is only for --task sentence", file=sys.stderr)
            return 2
        try:
            expected_phones(args.text)
        except KeyError as e:
            print(f"kiosk speech: --text: {e.args[0]}", file=sys.stderr)
            return 2
        extra["text"] = args.text
    status, result = analyse_step(step, x, sr, lead_in, **extra)
    out: dict[str, object] = {"file": str(args.wav), "task": args.task, "step": step,
                              "sample_rate_hz": sr, "duration_s": round(x.size / sr, 3), **status.to_dict()}
    if result is not None:
        out["measures"] = result.to_dict()
        if getattr(result, "prosody", None) is not None:
            out["prosody"] = result.prosody.to_dict()
    out["note"] = "Decision support, not a diagnosis."
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        _print_text(out)
    if status.status != "ok":
        print(f"kiosk speech: recording not analysed ({status.code}): {status.reason}", file=sys.stderr)
        return 4
    return 0


def _print_text(out: dict[str, object]) -> None:
    print(f"{out['file']}: task {out['step']}, {out['duration_s']} s at {out['sample_rate_hz']} Hz: {out['status']}")
    for key, value in (out.get("measures") or {}).items():
        print(f"  {key}: {value}")
