"""Helpers shared by the kiosk-side areas: the repository root on sys.path, the test helpers that
build hostile files, and running the `kiosk` CLI in a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


def kiosk(*argv: str, cwd: Path, env: dict[str, str] | None = None,
          timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m kiosk.cli argv`` with this checkout first on the path."""
    e = dict(os.environ, PYTHONPATH=str(ROOT), SDL_VIDEODRIVER="dummy", **(env or {}))
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *argv], capture_output=True, text=True, cwd=cwd,
                          env=e, timeout=timeout)


def one_line_error(r: subprocess.CompletedProcess, codes: tuple[int, ...]) -> str | None:
    """None when the CLI exited with one of ``codes`` and no traceback; else what went wrong."""
    if "Traceback" in r.stderr:
        return "traceback: " + r.stderr.strip().splitlines()[-1]
    if r.returncode not in codes:
        return f"exit {r.returncode} (wanted {codes}): {r.stderr.strip()[:200]}"
    return None


def model_config(tmp: Path) -> Path:
    """A kiosk.toml pointing at this checkout's models."""
    cfg = tmp / "kiosk.toml"
    cfg.write_text(f'[vision]\nmodel_dir = "{ROOT / "models"}"\n[device]\nstate_dir = "{tmp / "state"}"\n')
    return cfg
