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


def run(args: argparse.Namespace, config) -> int:  # noqa: ANN001
    from kiosk.store import Store, StoreError
    state_dir = args.state_dir or config.device.state_dir
    if not (Path(state_dir) / "kiosk.db").is_file():
        print(f"kiosk report: no database in {state_dir}", file=sys.stderr)
        return 2
    from kiosk.reports.layout import ReportPathError
    out = args.out
    try:
        with Store.from_config(config, state_dir) as store:
            try:
                store.get_session(args.session_id)
            except KeyError:
                print(f"kiosk report: no session {args.session_id} in {state_dir}", file=sys.stderr)
                return 2
            from kiosk.reports.delivery import default_report_path, write_report
            out = out or default_report_path(Path(state_dir), args.session_id, args.view)
            result = write_report(store, args.session_id, args.view, out, config, Path(state_dir))
    except ReportPathError as e:
        print(f"kiosk report: {e}; nothing was written", file=sys.stderr)
        return 2
    except StoreError as e:
        print(f"kiosk report: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"kiosk report: could not write {out} ({e}); the session data is unchanged", file=sys.stderr)
        return 1
    print(result.message)
    return 0
