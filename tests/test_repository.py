"""The repository explains itself: nothing tracked points outside it, and every
``docs/<file>.md#section`` citation names a heading that exists."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = re.compile(r"\.\./shared|DESIGN\.md|(?<![\w.])/work/")
CITATION = re.compile(r"docs/([\w\-]+\.md)#([\w\-]+)")


def _tracked_text() -> dict[str, str]:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    out = {}
    for f in files:
        p = ROOT / f
        if p.is_file() and p.stat().st_size < 2_000_000:
            try:
                out[f] = p.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
    return out


def github_anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_no_tracked_file_points_outside_the_repository() -> None:
    offenders = [f"{f}:{s.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
                 for f, s in _tracked_text().items() if f != "tests/test_repository.py"
                 for m in OUTSIDE.finditer(s)]
    assert offenders == []


def test_every_docs_citation_names_an_existing_heading() -> None:
    anchors = {p.name: {github_anchor(h) for h in re.findall(r"^#+ (.*)$", p.read_text(encoding="utf-8"), re.M)}
               for p in (ROOT / "docs").glob("*.md")}
    texts = _tracked_text()
    cited = [(f, m.group(1), m.group(2)) for f, s in texts.items() for m in CITATION.finditer(s)]
    assert len(cited) > 40          # the code does cite the design
    broken = [c for c in cited if c[2] not in anchors.get(c[1], set())]
    assert broken == []


def test_anchor_rule_matches_github() -> None:
    assert github_anchor("Memory and latency") == "memory-and-latency"
    assert github_anchor("House-Brackmann estimate") == "house-brackmann-estimate"
    assert github_anchor("Wire format: kiosk → clinic") == "wire-format-kiosk--clinic"
