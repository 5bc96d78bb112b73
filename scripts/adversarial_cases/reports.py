"""Report names and paths: user text prints literally (no markup, no embedded file), long tokens
wrap, many scripts print; `kiosk report -o` never overwrites what is not one of our PDFs and
never creates folders; reports are 0600."""
from __future__ import annotations

import os
import stat
import subprocess
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

from scripts.adversarial_cases import Case, check
from scripts.adversarial_cases._common import kiosk, one_line_error

AREA = "reports"
T0 = datetime(2026, 1, 5, tzinfo=timezone.utc)

NAMES = {
    "img tag": "<img src='{face}'/>", "font size": "<font size=200>Big</font>", "close para": "</para>",
    "ampersand": "A & B", "entity": "&amp;&lt;", "cdata": "]]>", "br": "a<br/>b", "long token": "W" * 190,
    "greek": "Ελένη", "cyrillic": "Анна", "hebrew": "שרה", "arabic": "مريم", "latin accents": "Zoë Nuñez",
    "emoji": "Ann 🙂", "null-like": "None", "quotes": "O'Brien \"Jr\"",
}


def _session(tmp: Path, code: str, name: str | None) -> tuple[Path, str]:
    from store_samples import sample_assessment

    from kiosk.store import Store
    state = tmp / "state"
    with Store.open(state) as s:
        p = s.add_patient(code, name)
        return state, s.save_session(p.id, sample_assessment(0.5), started_at=T0).id


def _name_case(label: str, template: str) -> Case:
    def run(tmp: Path) -> None:
        import cv2
        import numpy as np
        from pypdf import PdfReader

        from kiosk.reports import build_clinician_pdf, build_patient_pdf, gather
        from kiosk.store import Store
        face = tmp / "face.png"
        cv2.imwrite(str(face), np.full((64, 64, 3), 200, np.uint8))
        name = template.format(face=face)
        state, sid = _session(tmp, f"C-{label[:10]}", name)
        with Store.open(state) as s:
            data = gather(s, sid, "Clinic", state)
        for build, out in ((build_clinician_pdf, tmp / "c.pdf"), (build_patient_pdf, tmp / "p.pdf")):
            build(data, out)
            for page in PdfReader(out).pages:
                xobj = (page.get("/Resources") or {}).get("/XObject") or {}
                check(not xobj, f"{out.name}: embedded XObject {list(xobj)}")
            text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
            flat = "".join(unicodedata.normalize("NFKC", text).split())
            want = "".join(unicodedata.normalize("NFKC", name).split())
            if label not in ("emoji",):                 # DejaVu Sans has no emoji glyph
                check(want in flat, f"{out.name}: name not read back")
    return Case(f"name: {label}", run, fast=label in ("img tag", "close para", "long token", "hebrew"))


def _path_case(label: str, make, code: int, fast: bool = False) -> Case:  # noqa: ANN001
    def run(tmp: Path) -> None:
        state, sid = _session(tmp, "P-9", "Ann")
        target, keep = make(tmp, state)
        before = keep.read_bytes() if keep is not None and keep.is_file() else None
        r = kiosk("report", sid, "--state-dir", str(state), "-o", str(target), cwd=tmp)
        problem = one_line_error(r, (code,))
        check(problem is None, problem or "")
        if keep is not None and before is not None:
            check(keep.read_bytes() == before, f"{keep} was changed")
        if code == 0:
            check(stat.S_IMODE(target.stat().st_mode) == 0o600, "report not 0600")
    return Case(f"-o {label}", run, fast)


def _own_pdf(tmp: Path, state: Path) -> tuple[Path, None]:
    from kiosk.reports.layout import CREATOR
    p = tmp / "old.pdf"
    p.write_bytes(f"%PDF-1.4\n/Creator ({CREATOR})\n".encode())
    return p, None


def cases() -> list[Case]:
    out = [_name_case(k, v) for k, v in NAMES.items()]
    out += [
        _path_case("the database", lambda tmp, st: (st / "kiosk.db", st / "kiosk.db"), 2, fast=True),
        _path_case("another PDF", lambda tmp, st: ((tmp / "x.pdf").write_bytes(b"%PDF-1.7 theirs") and tmp / "x.pdf",
                                                   tmp / "x.pdf"), 2),
        _path_case("a symlink to the database", lambda tmp, st: (os.symlink(st / "kiosk.db", tmp / "l.pdf")
                                                                 or tmp / "l.pdf", st / "kiosk.db"), 2),
        _path_case("a folder", lambda tmp, st: (tmp, None), 2),
        _path_case("missing parent folders", lambda tmp, st: (tmp / "a" / "b" / "r.pdf", None), 2, fast=True),
        _path_case("/dev/null", lambda tmp, st: (Path("/dev/null"), None), 2),
        _path_case("a text file", lambda tmp, st: ((tmp / "n.txt").write_text("notes") and tmp / "n.txt",
                                                   tmp / "n.txt"), 2),
        _path_case("a new file", lambda tmp, st: (tmp / "new.pdf", None), 0),
        _path_case("our own earlier report", _own_pdf, 0),
    ]
    return out
