"""scripts/adversarial.py --fast: the quick subset of every area holds (issue 13, 'Done when')."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_fast_adversarial_subset_holds() -> None:
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "adversarial.py"), "--fast"], capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    rows = {ln.split()[0]: ln.split() for ln in r.stdout.splitlines() if ln and not ln.startswith(("area", "FAILED", "skipped"))}
    total = rows.pop("total")
    assert int(total[1]) >= 30 and total[1] == total[2] and total[3] == "0", r.stdout
    assert {"cli", "config", "images", "reports", "store", "wavs"} <= set(rows), r.stdout
