"""scripts/validate.py --quick: the validation document is generated from real computations."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _all_of(pattern: str, text: str) -> None:
    """Every ``**N of M**`` that follows ``pattern`` has N == M > 0."""
    hits = re.findall(pattern + r"\*\*(\d+) of (\d+)\*\*", text)
    assert hits, pattern
    for n, m in hits:
        assert n == m and int(m) > 0, (pattern, n, m)


def test_validate_quick_writes_every_table(tmp_path):
    out = tmp_path / "validation.md"
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "validate.py"), "--quick", "--out", str(out)],
                       capture_output=True, text=True, timeout=1200, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    doc = out.read_text()
    for heading in ("## Face count", "## Resting asymmetry", "## Grades", "## Movement excursions",
                    "## Ocular synkinesis", "## Tremor", "## Blinks", "## Speech F0 SD"):
        assert heading in doc
    assert "| astronaut mirrored about the facial midline (collar in view) |" in doc
    assert "**no**" not in doc  # every face count right, every tremor, blink and F0 target met
    m = re.search(r"Faces meeting both targets at every droop and side: \*\*(\d+) of (\d+)\*\*", doc)
    assert m and m.group(1) == m.group(2) == "3"
    healthy = doc.split("### Healthy")[1].split("###")[0]
    assert healthy.count("| I |") == 4 and "| none |" in healthy
    comps = re.search(r"Healthy composites: min (\d+)", doc)
    assert comps and int(comps.group(1)) >= 90
    assert "Ten Harkel".lower() in doc.lower() and "Kanerva" in doc and "FPSAM 2025" in doc

    tremor = doc.split("## Tremor")[1].split("\n## ")[0]
    _all_of(r"tremor cases with frequency within 0.4 Hz and amplitude within 30 % \| ", tremor)
    _all_of(r"sway-only controls \(head and jaw\) detect nothing \| ", tremor)
    for face in ("astronaut", "hopper"):                       # one table per face, each case in target
        assert f"### {face}" in tremor
        _all_of(face + ": ", tremor)
        assert f"{face}: " in tremor and "nothing detected" in tremor.split(f"### {face}")[1]
    loa = re.search(r"\| ([+-]\d\.\d+) to ([+-]\d\.\d+) Hz \(bias", tremor)
    assert loa and -0.38 <= float(loa.group(1)) < float(loa.group(2)) <= 0.35   # Williams 2021
    assert "✗" not in tremor

    blinks = doc.split("## Blinks")[1].split("\n## ")[0]
    _all_of(r"Blink rate within ±1 /min: ", blinks)
    assert blinks.count("| yes |") == 3 and "Bentivoglio 1997" in blinks

    speech = doc.split("## Speech F0 SD")[1].split("\n## ")[0]
    _all_of(r"in-range cases within 0.3 st \| ", speech)
    assert "| flite rms | 1.00 |" in speech and "MISS" not in speech
