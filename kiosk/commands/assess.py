"""`kiosk assess SESSION_DIR [--json] [--protocol auto|palsy|parkinson] [--patient CODE --save [--state-dir DIR]]`:
scores from a recorded session folder (the protocol is detected from the files unless given); with ``--save`` the assessed session is stored for a registered patient
(with its outbox row, so it syncs like a kiosk session) and its ``session_id`` printed. This is how
a recording made elsewhere (a bedside tablet) enters the record.

Exit codes: 0 assessed (some steps may be missing: they are listed), 2 folder not found, unknown
patient or bad options, 4 nothing could be assessed (no usable face, speech or Parkinson's step; nothing saved),
1 the session could not be saved (database error; the message says why).
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("session_dir", metavar="SESSION_DIR",
                   help="folder with one file per step (rest.png, smile.mp4, vowel.wav, ...)")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument("--protocol", choices=("auto", "palsy", "parkinson"), default="auto",
                   help="auto (default): parkinson when the folder holds a Parkinson's step file "
                        "(sit_still, spontaneous, hands_up, hands_lap), else palsy")
    p.add_argument("--patient", metavar="CODE", help="clinic code of a registered patient (kiosk patient add)")
    p.add_argument("--save", action="store_true", help="store the assessed session for --patient")
    p.add_argument("--state-dir", type=Path, help="database directory (default: config device.state_dir)")


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
    pd = d.get("parkinson")
    if pd:
        lines.append("Parkinson's screening measures (not a diagnosis):")
        for t in pd["tremor"]:
            state = {True: "detected", False: "not detected", None: "not measured"}[t["detected"]]
            at = (f" {t['frequency_hz']} Hz, {t['amplitude_mm']} mm" if t["frequency_hz"] is not None else "")
            lines.append(f"  tremor {t['site']} ({t['condition']}): {state}{at}"
                         + (f" - {t['reason']}" if t["reason"] and not t["detected"] else ""))
        for m in pd["measures"]:
            if m["value"] is not None:
                lines.append(f"  {m['label']}: {m['value']} {m['unit']} ({m['status']})")
    for k, v in (d.get("unavailable") or {}).items():
        lines.append(f"{k}: unavailable ({v})")
    for k, v in d["missing_steps"].items():
        lines.append(f"step {k}: {v}")
    lines.append(d["disclaimer"])
    return "\n".join(lines)


def _find_patient(args: argparse.Namespace, config):  # noqa: ANN001, ANN202
    """The registered patient for ``--patient`` (checked before the slow assessment), or an error text."""
    from kiosk.store import Store, StoreError
    try:
        with Store.from_config(config, args.state_dir or config.device.state_dir) as store:
            patient = store.find_patient(args.patient)
    except StoreError as e:
        return None, str(e)
    if patient is None:
        return None, f"no patient with code {args.patient!r}: register it first (kiosk patient add)"
    return patient, None


def _save(d: dict, patient, started_at: datetime, args: argparse.Namespace, config) -> str:  # noqa: ANN001
    """Store the assessment (session, measures, outbox row, audit) in one transaction; its id."""
    from kiosk.store import Store
    from kiosk.vision.models import model_versions
    with Store.from_config(config, args.state_dir or config.device.state_dir) as store:
        rec = store.save_session(patient.id, d, started_at=started_at, ended_at=datetime.now(timezone.utc),
                                 model_versions=model_versions(config.vision.model_dir))
    return rec.id


def run(args: argparse.Namespace, config) -> int:
    from kiosk.session.assess import assess_session_dir
    from kiosk.store import StoreError

    if args.save != bool(args.patient):
        print("kiosk assess: --save and --patient CODE go together", file=sys.stderr)
        return 2
    patient = None
    if args.save:
        patient, why = _find_patient(args, config)
        if patient is None:
            print(f"kiosk assess: {why}; nothing was assessed", file=sys.stderr)
            return 2
    started_at = datetime.now(timezone.utc)
    try:
        result = assess_session_dir(args.session_dir, config, None if args.protocol == "auto" else args.protocol)
    except FileNotFoundError as e:
        print(f"kiosk assess: {e}", file=sys.stderr)
        return 2
    d = result.to_dict()
    pd = d.get("parkinson") or {}
    assessed = (d["face"] is not None or d["speech"] is not None
                or any(t["detected"] is not None for t in pd.get("tremor", ()))
                or any(m["value"] is not None for m in pd.get("measures", ())))
    if patient is not None and assessed:
        try:
            d["session_id"] = _save(d, patient, started_at, args, config)
        except StoreError as e:
            print(f"kiosk assess: the session was assessed but not saved: {e}", file=sys.stderr)
            print(json.dumps(d, indent=2, allow_nan=False) if args.json else _summary(d))
            return 1
    elif patient is not None:
        print("kiosk assess: nothing could be assessed; nothing was saved", file=sys.stderr)
    print(json.dumps(d, indent=2, allow_nan=False) if args.json else _summary(d))
    if not args.json and d.get("session_id"):
        print(f"saved as session {d['session_id']} for patient {patient.code}")
    return 0 if assessed else 4
