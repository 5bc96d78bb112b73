"""`kiosk demo [--out DIR] [--scenario recovering|relapse|healthy|parkinson]`: synthetic patient, weekly
sessions, full pipeline, PDFs, sync."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.demo.run_demo import PARKINSON_SESSIONS, SCENARIOS


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("demo-out"), help="output folder with the database and PDFs")
    p.add_argument("--sessions", type=int, default=None,
                   help="weekly sessions to simulate (1..12; default 6, parkinson 4)")
    p.add_argument("--scenario", choices=SCENARIOS, default="recovering",
                   help="the course to simulate: recovering palsy (default), recovery then a clear drop in the "
                        "last session, a healthy face, or Parkinson's signs (jaw tremor, monotone speech, "
                        "reduced expressions) under the Parkinson's protocol")
    p.add_argument("--no-sync", action="store_true", help="do not start a local broker and receiver")


def run(args: argparse.Namespace, config) -> int:  # noqa: ANN001
    from kiosk.demo.run_demo import run_demo, summary_text
    from kiosk.store import StoreError
    if args.sessions is None:
        args.sessions = PARKINSON_SESSIONS if args.scenario == "parkinson" else 6
    if not 1 <= args.sessions <= 12:
        print("kiosk demo: --sessions must be 1..12", file=sys.stderr)
        return 2
    try:
        result = run_demo(args.out, config, n_sessions=args.sessions, scenario=args.scenario,
                          do_sync=not args.no_sync)
    except StoreError as e:
        print(f"kiosk demo: {e}", file=sys.stderr)
        return 1
    print(summary_text(result))
    return 0
