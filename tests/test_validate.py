"""scripts/validate.py --quick: the validation document is generated from real computations."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_validate_quick_writes_every_table(tmp_path):
    out = tmp_path / "validation.md"
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "validate.py"), "--quick", "--out", str(out)],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    doc = out.read_text()
    for heading in ("## Face count", "## Resting asymmetry", "## Grades", "## Movement excursions",
                    "## Ocular synkinesis"):
        assert heading in doc
    assert "| astronaut mirrored about the facial midline (collar in view) |" in doc
    assert "**no**" not in doc  # every face count right
    m = re.search(r"Faces meeting both targets at every droop and side: \*\*(\d+) of (\d+)\*\*", doc)
    assert m and m.group(1) == m.group(2) == "3"
    healthy = doc.split("### Healthy")[1].split("###")[0]
    assert healthy.count("| I |") == 4 and "| none |" in healthy
    comps = re.search(r"Healthy composites: min (\d+)", doc)
    assert comps and int(comps.group(1)) >= 90
    assert "Ten Harkel".lower() in doc.lower() and "Kanerva" in doc and "FPSAM 2025" in doc
