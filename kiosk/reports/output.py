"""Deliver a written PDF: print it through CUPS ``lp`` when a printer is configured, else keep the file."""
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
