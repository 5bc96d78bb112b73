"""Issue 13 items 2, 3 and 12 (reports): user text is never ReportLab markup, long tokens wrap, names in
Latin, Greek, Cyrillic, Hebrew and Arabic print and read back; `kiosk report -o` never overwrites
what is not one of our PDFs nor creates folders; reports and peak frames are 0600."""
from __future__ import annotations

import os
import re
import stat
import subprocess
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from kiosk.cli import main as kiosk_main
from kiosk.reports import build_clinician_pdf, build_patient_pdf, gather
from kiosk.store import Store
from store_samples import sample_assessment

T0 = datetime(2026, 2, 2, 9, 0, tzinfo=timezone.utc)
LONG = "W" * 190                       # the longest name the store accepts is 200 characters


def _face_png(tmp: Path) -> Path:
    import cv2
    p = tmp / "other-patient-face.png"
    cv2.imwrite(str(p), np.full((64, 64, 3), 200, np.uint8))
    return p


def _store(tmp: Path, code: str, name: str | None) -> tuple[Path, str]:
    state = tmp / "state"
    with Store.open(state) as s:
        p = s.add_patient(code, name, 1970)
        sid = s.save_session(p.id, sample_assessment(0.5), started_at=T0).id
    return state, sid


def _build(tmp: Path, code: str, name: str | None) -> tuple[Path, Path]:
    state, sid = _store(tmp, code, name)
    with Store.open(state) as s:
        data = gather(s, sid, "Clinic <b>&</b>", state)
    return build_clinician_pdf(data, tmp / "c.pdf"), build_patient_pdf(data, tmp / "p.pdf")


def _pdftotext(pdf: Path, *opts: str) -> str:
    return subprocess.run(["pdftotext", *opts, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _images(pdf: Path) -> int:
    n = 0
    for page in PdfReader(pdf).pages:
        xobj = (page.get("/Resources") or {}).get("/XObject") or {}
        n += sum(1 for v in xobj.values() if v.get_object().get("/Subtype") == "/Image")
    return n


def _flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def test_img_tag_prints_literally_and_embeds_nothing(tmp_path: Path) -> None:
    tag = f"<img src='{_face_png(tmp_path)}'/>"
    for pdf in _build(tmp_path, "IMG-1", tag):
        assert _images(pdf) == 0, pdf.name
        assert tag.replace(" ", "") in _flat(_pdftotext(pdf)).replace(" ", "")


@pytest.mark.parametrize("name", ["<font size=200>Big</font>", "</para>", "A & B <br/> C", "x]]>&amp;<"])
def test_markup_in_names_prints_literally_and_keeps_the_tables(tmp_path: Path, name: str) -> None:
    c, p = _build(tmp_path, "M&<1>", name)
    ct, pt = _flat(_pdftotext(c)), _flat(_pdftotext(p))
    assert name.replace(" ", "") in ct.replace(" ", "") and name.replace(" ", "") in pt.replace(" ", "")
    assert "M&<1>" in ct and "Clinic <b>&</b>" in ct
    assert "Sunnybrook-style composite" in ct and "Open smile" in ct     # the tables are still there
    assert len(PdfReader(c).pages) <= 5


def test_long_unbroken_names_wrap_inside_the_page(tmp_path: Path) -> None:
    for pdf in _build(tmp_path, "L" * 120, LONG):
        width = float(PdfReader(pdf).pages[0].mediabox.width)
        words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', _pdftotext(pdf, "-bbox"))
        assert words and max(float(x1) for _, x1 in words) <= width
        assert LONG in _pdftotext(pdf).replace("\n", "").replace(" ", "")


NAMES = {"latin": "Zoë Ødegård-Nuñez", "greek": "Ελένη Παπαδοπούλου", "cyrillic": "Анна Иванова",
         "hebrew": "שרה כהן", "arabic": "مريم حداد"}


@pytest.mark.parametrize("script", sorted(NAMES))
def test_names_in_many_scripts_print_and_read_back(tmp_path: Path, script: str) -> None:
    name = NAMES[script]
    for pdf in _build(tmp_path, f"U-{script}", name):
        text = _flat(_pdftotext(pdf))          # poppler puts right-to-left runs back in logical order
        assert all(word in text for word in name.split()), (script, text[:200])
        fonts = {str(f.get_object().get("/BaseFont")) for pg in PdfReader(pdf).pages
                 for f in ((pg.get("/Resources") or {}).get("/Font") or {}).values()}
        assert any("DejaVuSans" in f for f in fonts)
        if script in ("latin", "greek", "cyrillic"):
            assert name in _flat(PdfReader(pdf).pages[0].extract_text())


def test_report_refuses_to_overwrite_the_database(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    state, sid = _store(tmp_path, "P-9", "Ann")
    db = state / "kiosk.db"
    before = db.read_bytes()
    rc = kiosk_main(["report", sid, "--state-dir", str(state), "-o", str(db)])
    err = capsys.readouterr().err
    assert rc == 2 and "not a report written by this kiosk" in err and "nothing was written" in err
    assert db.read_bytes() == before
    with Store.open(state) as s:
        assert s.get_session(sid).id == sid and s.reports(sid) == []
    other = tmp_path / "notes.pdf"
    other.write_bytes(b"%PDF-1.4 somebody else's PDF")
    assert kiosk_main(["report", sid, "--state-dir", str(state), "-o", str(other)]) == 2
    assert other.read_bytes() == b"%PDF-1.4 somebody else's PDF"
    link = tmp_path / "link.pdf"
    link.symlink_to(tmp_path / "nowhere.pdf")
    assert kiosk_main(["report", sid, "--state-dir", str(state), "-o", str(link)]) == 2
    assert not (tmp_path / "nowhere.pdf").exists()


def test_report_does_not_create_folders_and_says_what_is_missing(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture) -> None:
    state, sid = _store(tmp_path, "P-9", "Ann")
    out = tmp_path / "no" / "such" / "dir" / "r.pdf"
    assert kiosk_main(["report", sid, "--state-dir", str(state), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"the folder {out.parent} does not exist ({tmp_path / 'no'} is missing)" in err
    assert not (tmp_path / "no").exists()


def test_reports_are_0600_and_our_own_report_can_be_rewritten(tmp_path: Path) -> None:
    state, sid = _store(tmp_path, "P-9", "Ann")
    old = os.umask(0o022)
    try:
        out = tmp_path / "r.pdf"
        for _ in range(2):                       # the second run overwrites its own report
            assert kiosk_main(["report", sid, "--state-dir", str(state), "-o", str(out)]) == 0
            assert stat.S_IMODE(out.stat().st_mode) == 0o600
        assert kiosk_main(["report", sid, "--state-dir", str(state), "--view", "patient"]) == 0
        default = state / "reports" / f"{sid}-patient.pdf"
        assert stat.S_IMODE(default.stat().st_mode) == 0o600
        assert stat.S_IMODE(default.parent.stat().st_mode) == 0o700
    finally:
        os.umask(old)


def test_peak_frame_overlays_are_0600(tmp_path: Path) -> None:
    from kiosk.reports.overlay import save_overlay
    old = os.umask(0o000)
    try:
        rgb = np.full((120, 160, 3), 90, np.uint8)
        pts = np.column_stack([np.linspace(40, 120, 468), np.linspace(30, 90, 468)])
        path = save_overlay(rgb, pts, tmp_path / "peak" / "sid" / "smile.png")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_bytes().startswith(b"\x89PNG")
    finally:
        os.umask(old)


def test_low_confidence_step_is_shown_in_both_reports(tmp_path: Path) -> None:
    """Issue 13 item 11: a face step measured from mesh positions only says so in the reports."""
    a = sample_assessment(0.5)
    why = "peak frame size 640x640 differs from the rest frame's 512x512: mesh positions used"
    a["face"]["steps"]["smile"] = {"status": "ok_low_confidence", "reason": why, "frames_used": 1,
                                   "frames_rejected": 0}
    state = tmp_path / "state"
    with Store.open(state) as s:
        p = s.add_patient("LC-1")
        sid = s.save_session(p.id, a, started_at=T0).id
        assert [st.status for st in s.steps(sid) if st.step == "smile"] == ["ok_low_confidence"]
        data = gather(s, sid, "Clinic", state)
    ct = _flat(_pdftotext(build_clinician_pdf(data, tmp_path / "c.pdf")))
    assert "Open smile (excursion) – LOW CONFIDENCE" in ct and f"Low confidence – Open smile: {why}" in ct
    assert "ok, low confidence" in ct                         # the step table
    assert ct.count("– LOW CONFIDENCE") == 1                  # only the smile row is marked
    pt = _flat(_pdftotext(build_patient_pdf(data, tmp_path / "p.pdf")))
    assert "less precise than usual (low confidence)" in pt


def test_a_wrapped_right_to_left_name_keeps_its_lines_in_reading_order(tmp_path: Path) -> None:
    """A Hebrew name long enough to wrap: the first words (logical order) are on the first line."""
    words = ["שרה", "כהן", "לוי", "מזרחי", "פרץ", "ביטון", "דהן", "אברהם", "פרידמן", "אזולאי"] * 3
    pdf, _ = _build(tmp_path, "U-rtl-long", " ".join(words))
    bbox = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]+)</word>',
                      _pdftotext(pdf, "-bbox"))
    boxes = [(w[::-1], float(y)) for y, w in bbox]          # -bbox gives the glyphs in drawn order
    ys = sorted({y for w, y in boxes if w in words})
    assert len(ys) >= 2, "the name should wrap onto several lines"
    first_line = {w for w, y in boxes if y == ys[0]}
    last_line = {w for w, y in boxes if y == ys[-1]}
    assert words[0] in first_line and words[1] in first_line       # reading starts on the top line
    assert words[-1] in last_line
