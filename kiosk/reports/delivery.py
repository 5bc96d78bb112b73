"""Report delivery: build a stored session's PDF, record it, and print it through CUPS ``lp`` when a
printer is configured (else keep the file). Used by the CLI, the UI and the demo alike."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Delivery:
    path: Path
    printed: bool
    message: str


def deliver(path: Path, printer: str | None, *, timeout_s: float = 30.0) -> Delivery:
    """Send ``path`` to ``printer`` with ``lp -d``; the PDF stays saved whatever happens."""
    if not printer:
        return Delivery(path, False, f"Saved {path}")
    try:
        res = subprocess.run(["lp", "-d", printer, str(path)], capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.TimeoutExpired) as e:
        return Delivery(path, False, f"Could not print on {printer} ({e}); the report is saved at {path}")
    if res.returncode != 0:
        why = (res.stderr or res.stdout).strip() or f"lp exit code {res.returncode}"
        return Delivery(path, False, f"Could not print on {printer} ({why}); the report is saved at {path}")
    return Delivery(path, True, f"Sent to printer {printer} ({res.stdout.strip()}); saved at {path}")


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


def default_report_path(state_dir: Path, session_id: str, view: str) -> Path:
    """``<state_dir>/reports/<session>-<view>.pdf``; the reports folder is created (0700) when missing."""
    from kiosk.privatefiles import private_dir
    return private_dir(Path(state_dir) / "reports") / f"{session_id}-{view}.pdf"


def write_report(store, session_id: str, view: str, out: Path, config, state_dir: Path):  # noqa: ANN001, ANN201
    """Build one report for a stored session, record it, and deliver it (CUPS when a printer is set).

    ``out`` must be a new file in an existing folder or an earlier report of ours
    (kiosk.reports.layout.check_report_target): anything else raises ReportPathError before any work."""
    from kiosk.reports.clinician import build_clinician_pdf
    from kiosk.reports.data import gather
    from kiosk.reports.layout import check_report_target
    from kiosk.reports.patient import build_patient_pdf
    check_report_target(out)
    data = gather(store, session_id, config.device.clinic_name, state_dir)
    if view == "clinician":
        build_clinician_pdf(data, out, component_versions())
    else:
        build_patient_pdf(data, out)
    result = deliver(out, config.report.printer)
    store.add_report(session_id, view, out, config.report.printer if result.printed else None)
    return result
