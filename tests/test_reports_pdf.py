"""Reports: PDFs built from a real store, read back with pypdf and rendered with pdftoppm."""
from __future__ import annotations

import os
import re
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from kiosk.cli import main as kiosk_main
from kiosk.config import KioskConfig, ReportConfig
from kiosk.reports import build_clinician_pdf, build_patient_pdf, deliver, gather
from kiosk.store import Store
from store_samples import sample_assessment

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
SEVERITIES = (0.9, 0.7, 0.5, 0.3)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    state = tmp_path_factory.mktemp("state")
    with Store.open(state) as s:
        p = s.add_patient("P-42", "Ann Example", 1961)
        ids = [s.save_session(p.id, sample_assessment(sev, "left", clarity=40 + 10 * i, msii=60 - 10 * i),
                              started_at=T0 + timedelta(weeks=i),
                              model_versions={"face_landmark.tflite": "0000cb9d4a9ca8b8",
                                              "iris_landmark.tflite": "d1744d2a09c2"}).id
               for i, sev in enumerate(SEVERITIES)]
    return state, ids


def _text(pdf: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(pdf).pages)


def _render(pdf: Path, tmp: Path) -> list[np.ndarray]:
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp / "pg")], check=True)
    from skimage.io import imread
    return [imread(p) for p in sorted(tmp.glob("pg-*.png"))]


def test_clinician_pdf_content(stored: tuple[Path, list[str]], tmp_path: Path) -> None:
    state, ids = stored
    with Store.open(state) as s:
        data = gather(s, ids[-1], "Test Clinic", state)
    out = build_clinician_pdf(data, tmp_path / "c.pdf", {"ai-edge-litert": "1.4.0"})
    reader = PdfReader(out)
    n = len(reader.pages)
    assert 2 <= n <= 5
    text = _text(out)
    latest = data.session.assessment["face"]
    assert "P-42" in text and ids[-1] in text and "Test Clinic" in text
    assert "left (patient's)" in text
    assert f"{latest['sunnybrook']['composite']:.0f} / 100" in text
    assert f"House-Brackmann estimate {latest['house_brackmann']['roman']}" in text.replace("\n", " ")
    assert "0000cb9d4a9ca8b8" in text and "ai-edge-litert" in text
    assert "DIFFERS from pin" in text          # 16 hex digits that are not the pinned sha256's start
    assert "matches pin (prefix)" in text      # the iris model's 12-digit prefix is right
    smile = latest["regions"]["smile"]
    assert f"{smile['left_mm']:.1f} mm" in text and f"{smile['right_mm']:.1f} mm" in text
    assert f"{smile['ratio']:.2f}" in text
    assert "<= 1.04 % (MDVP)" in text and "6.2 ± 0.8 syll/s" in text
    assert "not a diagnosis" in text and "Miller 2021" in text
    assert re.search(rf"Page {n} of {n}", text)
    for date in ("2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"):
        assert date in text                                      # comparison table
    flat = " ".join(text.split())
    # the Sunnybrook form grid, eFACE row, signed rest, in the kiosk's Right | Left order and units
    assert "Forehead wrinkle (FRO) 4 ratio 0.70 0" in flat and "Mouth (commissure) (0-1) 0" in flat
    assert "x 4 = 80 (20–100)" in flat and "This session 94 76 100 left" in flat
    assert "Mouth corner height 2.0 mm 1.1 mm left 0.9 mm lower" in flat
    assert "Brow height 20.0 mm 19.4 mm left 0.6 mm lower" in flat
    assert "Palpebral fissure 10.0 mm 10.0 mm level (< 0.5 mm)" in flat
    assert "Open smile (excursion) 10.0 mm 7.0 mm 0.70" in flat                # Right | Left
    assert "Gentle eye closure (closure %, lid travel) 100 % (7.0 mm) 76 % (5.3 mm)" in flat
    assert "Gentle closure 3.0 mm 4.7 mm" in flat           # fissure 10 mm at rest minus lid travel
    assert flat.index("Sunnybrook facial grading") < flat.index("Software and models")
    assert "Symmetry ratio per region" in text and "Side asymmetry (lower = more symmetric)" in text
    assert "Side-asymmetry reduction" not in text
    # improvement table: smile ratio 0.1 -> 0.7 recovers 0.6 of a 0.9 deficit = 67 %
    assert "Open smile: symmetry ratio 0.10 0.70 +0.60 67 %" in " ".join(text.split())
    # charts are vector drawings: many path operators on the comparison pages
    ops = sum(len(re.findall(rb"\b[lc]\n", p.get_contents().get_data())) for p in reader.pages[1:])
    assert ops > 40


def test_patient_pdf_content_and_single_session(stored: tuple[Path, list[str]], tmp_path: Path) -> None:
    state, ids = stored
    with Store.open(state) as s:
        data = gather(s, ids[-1], "Test Clinic")
        first = gather(s, ids[0], "Test Clinic")
    out = build_patient_pdf(data, tmp_path / "p.pdf")
    assert len(PdfReader(out).pages) == 1
    text = _text(out).replace("\n", " ")
    imp = data.history.improvement
    assert f"Improvement since your first visit: {imp.composite.recovered_pct:.0f}" in text
    assert "Speech clarity: 70 out of 100" in text and "up 30 points from 40" in text
    assert "Week 1" in text and "Week 4" in text and "not a diagnosis" in text
    assert "House-Brackmann" not in text                         # no jargon for the patient
    out1 = build_patient_pdf(first, tmp_path / "p1.pdf")
    t1 = " ".join(_text(out1).split())          # line breaks depend on the font's widths
    assert "first check" in t1 and "Improvement" not in t1
    c1 = build_clinician_pdf(first, tmp_path / "c1.pdf")
    assert "first stored session" in _text(c1)


def test_rendered_pages_are_not_blank(stored: tuple[Path, list[str]], tmp_path: Path) -> None:
    state, ids = stored
    with Store.open(state) as s:
        data = gather(s, ids[-1], "Test Clinic")
    build_clinician_pdf(data, tmp_path / "c.pdf")
    build_patient_pdf(data, tmp_path / "p.pdf")
    for name in ("c", "p"):
        d = tmp_path / name
        d.mkdir()
        pages = _render(tmp_path / f"{name}.pdf", d)
        assert pages
        for img in pages:
            grey = img[..., :3].mean(axis=2)
            assert grey.std() > 10 and (grey < 160).mean() > 0.01       # small table text at 40 dpi is grey
        if name == "p":   # the patient page has coloured graphics (green bars, yellow face)
            rgb = pages[0][..., :3].astype(int)
            saturation = rgb.max(axis=2) - rgb.min(axis=2)
            assert (saturation > 80).mean() > 0.02


def test_report_command_and_printing(stored: tuple[Path, list[str]], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    state, ids = stored
    out = tmp_path / "cmd.pdf"
    assert kiosk_main(["report", ids[1], "--view", "patient", "-o", str(out), "--state-dir", str(state)]) == 0
    assert "Your progress" in _text(out)
    assert kiosk_main(["report", "no-such-session", "--state-dir", str(state)]) == 2
    with Store.open(state) as s:
        assert [r.view for r in s.reports(ids[1])] == ["patient"]
    # a fake `lp` records its arguments; a failing printer keeps the saved PDF
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "lp.log"
    (bindir / "lp").write_text(f"#!/bin/sh\necho \"$@\" > {log}\n[ \"$2\" = ward3 ] && echo 'request id is ward3-7'"
                               " && exit 0\necho 'lp: The printer or class does not exist.' >&2\nexit 1\n")
    (bindir / "lp").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    ok = deliver(out, "ward3")
    assert ok.printed and log.read_text().split() == ["-d", "ward3", str(out)] and "ward3-7" in ok.message
    bad = deliver(out, "nowhere")
    assert not bad.printed and "does not exist" in bad.message and str(out) in bad.message and out.exists()
    saved = deliver(out, KioskConfig(report=ReportConfig()).report.printer)
    assert not saved.printed and saved.message == f"Saved {out}"


def test_reports_with_missing_parts(tmp_path: Path) -> None:
    a = sample_assessment(0.5, drop=("smile", "pucker"))
    a["speech"] = None
    a["face"]["steps"]["brow_raise"]["rejected_by_reason"] = {"tilted": 3, "too_dark": 1}
    b = sample_assessment(0.5)
    b["face"] = None
    with Store.open(tmp_path) as s:
        p = s.add_patient("P-9")
        s.save_session(p.id, a, started_at=T0)
        sid = s.save_session(p.id, b, started_at=T0 + timedelta(weeks=2)).id
        data = gather(s, sid, "Clinic")
        first = gather(s, s.sessions_for(p.id)[0].id, "Clinic")
    t = _text(build_clinician_pdf(first, tmp_path / "c0.pdf")).replace("\n", " ")
    assert "frames rejected: tilted 3, too dark 1" in t
    assert "speech part was not done" in t and "Open smile – – – not measured: no file" in t
    t = _text(build_clinician_pdf(data, tmp_path / "c.pdf")).replace("\n", " ")
    assert "Affected side (patient's) –" in t
    assert t.count("not assessed – grade clinically") >= 13            # 3 resting + 5 voluntary + 5 synkinesis
    assert "Signed resting differences: not recorded" in t
    t = _text(build_patient_pdf(data, tmp_path / "p.pdf"))
    assert "Speech clarity: 60 out of 100" in t and "not measured today" in t and "Improvement" not in t
