"""`kiosk report SESSION_ID --view clinician|patient -o FILE.pdf`: write (and print) a stored session's report."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("session_id", help="session UUID (see the demo summary or the clinician view)")
    p.add_argument("--view", choices=("clinician", "patient"), default="clinician", help="which report")
    p.add_argument("-o", "--out", type=Path, help="PDF to write (default: <state_dir>/reports/<session>-<view>.pdf)")
    p.add_argument("--state-dir", type=Path, help="database directory (default: config device.state_dir)")


def component_versions() -> dict[str, str]:
    """Versions of the runtime components that shape the numbers (shown in the clinician header)."""
    from importlib import metadata
    out = {}
    for dist in ("ai-edge-litert", "praat-parselmouth", "pocketsphinx"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def write_report(store, session_id: str, view: str, out: Path, config, state_dir: Path):  # noqa: ANN001, ANN201
    """Build one report for a stored session, record it, and deliver it (CUPS when a printer is set)."""
    from kiosk.reports import build_clinician_pdf, build_patient_pdf, deliver, gather
    data = gather(store, session_id, config.device.clinic_name, state_dir)
    if view == "clinician":
        build_clinician_pdf(data, out, component_versions())
    else:
        build_patient_pdf(data, out)
    result = deliver(out, config.report.printer)
    store.add_report(session_id, view, out, config.report.printer if result.printed else None)
    return result


def run(args: argparse.Namespace, config) -> int:  # noqa: ANN001
    from kiosk.store import Store, StoreError
    state_dir = args.state_dir or config.device.state_dir
    if not (Path(state_dir) / "kiosk.db").is_file():
        print(f"kiosk report: no database in {state_dir}", file=sys.stderr)
        return 2
    out = args.out or Path(state_dir) / "reports" / f"{args.session_id}-{args.view}.pdf"
    try:
        with Store.from_config(config, state_dir) as store:
            try:
                store.get_session(args.session_id)
            except KeyError:
                print(f"kiosk report: no session {args.session_id} in {state_dir}", file=sys.stderr)
                return 2
            result = write_report(store, args.session_id, args.view, out, config, Path(state_dir))
    except StoreError as e:
        print(f"kiosk report: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"kiosk report: could not write {out} ({e}); the session data is unchanged", file=sys.stderr)
        return 1
    print(result.message)
    return 0
