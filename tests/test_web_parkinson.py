"""The clinic dashboard's Parkinson's screening views (issue 17 item 5) over a real SQLite clinic store
and a real ``clinic-web serve``: the session's section (tremor, measures with unit, healthy range,
source, provisional mark and status; "screening, not a diagnosis"), the trends of the key measures
across the patient's Parkinson's sessions, the badge and filter in the lists; then in headless
Debian Chromium."""
from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from clinic.store.sqlite import SqliteClinicStore
from clinic.web.parkinson import TREND_KEYS
from web_helpers import (CHROMEDRIVER, CHROMIUM, Client, WebServer, browser_login, chrome, cli, demo_clinics,
                         demo_parkinson)

PW_A, PW_B = "clinic-a-password-1", "clinic-b-password-2"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    db = str(tmp_path_factory.mktemp("web-pd") / "clinic.db")
    seeded = demo_clinics(db)
    pd = demo_parkinson(db)
    for dev in seeded["A"]:
        assert cli("add-device", dev, "--clinic", "A", "--db", db).returncode == 0
    assert cli("add-device", "kiosk-b1", "--clinic", "B", "--db", db).returncode == 0
    for user, pw, clinic in (("anna", PW_A, "A"), ("bert", PW_B, "B")):
        assert cli("add-user", user, "--db", db, "--clinic", clinic, stdin=pw + "\n").returncode == 0
    with WebServer(db) as srv:
        yield {"db": db, "url": srv.url, "pd": pd, **seeded}


def page(site: dict, path: str, user: str = "anna", pw: str = PW_A) -> tuple[int, str]:
    c = Client(site["url"])
    assert c.login(user, pw)[0] == 302
    status, _, body = c.get(path)
    return status, html.unescape(body.decode())


def rows_of(body: str, table_id: str) -> list[str]:
    table = body.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]


def test_patient_list_badge_and_filter(site: dict) -> None:
    ref = site["pd"]["patient"]
    status, body = page(site, "/")
    assert status == 200
    lines = {r.split('class="pref">', 1)[1].split("<", 1)[0]: r for r in rows_of(body, "patients")}
    assert set(lines) == {ref, site["demo"], "A-0002", "A-0003"}
    assert "badge pd" in lines[ref] and "5 Parkinson's-protocol sessions" in lines[ref]
    assert not any("badge pd" in v for k, v in lines.items() if k != ref)
    assert "no rise in the composite" not in lines[ref]      # the palsy recovery rule is not for this patient
    status, body = page(site, "/?protocol=parkinson")
    only = rows_of(body, "patients")
    assert len(only) == 1 and ref in only[0] and 'class="on" id="filter-pd"' in body
    _, none = page(site, "/?protocol=parkinson&q=A-0002")
    assert "No patient matches" in none and "among Parkinson" in none
    _, other = page(site, "/?protocol=parkinson", "bert", PW_B)    # clinic B: the patient is not theirs
    assert ref not in other and "No patient" in other


def test_session_section_shows_every_measure_with_its_reference(site: dict) -> None:
    ref = site["pd"]["patient"]
    latest = site["pd"]["summaries"][-1]
    status, body = page(site, f"/patient/?ref={quote(ref)}")
    assert status == 200
    section = body.split('id="parkinson"', 1)[1].split("</section>", 1)[0]
    assert "Screening, not a diagnosis." in section and latest.parkinson.note in section
    outside = [m for m in latest.parkinson.measures if m.status == "outside"]
    assert f"{len(outside)} of {len(latest.parkinson.measures)} measures outside the healthy range" in section
    for m in latest.parkinson.measures:
        row = section.split(f'data-key="{m.key}"', 1)[1].split("</tr>", 1)[0]
        assert m.label in row
        if m.value is None:
            assert "not measured" in row and m.reason in row
            continue
        digits = 0 if m.unit in ("ms", "%") else 2 if m.unit == "mm" else 1
        assert f"{m.value:.{digits}f} {m.unit}" in row
        r = m.reference
        assert f"{r.low:g}–{r.high:g} {m.unit}" in row and r.source in row
        assert (" *" in row) == r.provisional
        assert ("<b>outside</b>" in row) == (m.status == "outside")
    tremor = rows_of(body, "pd-tremor")
    assert len(tremor) == len(latest.parkinson.tremor) == 4
    jaw = next(t for t in latest.parkinson.tremor if t.site == "jaw")
    jaw_row = next(r for r in tremor if ">Jaw<" in r)
    assert f"{jaw.frequency_hz:.1f} Hz" in jaw_row and f"{jaw.amplitude_mm:.2f} mm" in jaw_row
    assert ("<b>yes</b>" in jaw_row) == jaw.detected
    sessions = rows_of(body, "sessions")
    assert len(sessions) == 5 and all("Parkinson's" in r for r in sessions)


def test_trends_follow_the_stored_measures(site: dict) -> None:
    ref = site["pd"]["patient"]
    _, body = page(site, f"/patient/?ref={quote(ref)}")
    charts = re.findall(r"<svg.*?</svg>", body.split('id="pd-charts"', 1)[1].split("</section>", 1)[0], re.S)
    assert len(charts) == len(TREND_KEYS) == 4
    store = SqliteClinicStore(site["db"])
    for k, svg in zip(TREND_KEYS, charts):
        assert k.title in svg
        want = [f"{r['value']:.{k.digits}f} {k.unit}" for r in store.parkinson_measures(ref, [k.key])]
        got = [t.split(": ", 1)[1] for t in re.findall(r"<circle[^>]*><title>([^<]*)</title>", svg)]
        assert got == want and len(got) == 5, (k.key, got, want)
    store.close()
    f0 = charts[0]
    latest_ref = next(m.reference for m in site["pd"]["summaries"][-1].parkinson.measures if m.key == "speech.f0_sd_st")
    assert 'class="band"' in f0 and f"healthy {latest_ref.low:g}–{latest_ref.high:g} st (provisional)" in f0
    _, palsy = page(site, f"/patient/?ref={quote(site['demo'])}")   # a palsy patient: none of it
    assert 'id="parkinson"' not in palsy and 'id="pd-charts"' not in palsy and "badge pd" not in palsy
    status, _ = page(site, f"/patient/?ref={quote(ref)}", "bert", PW_B)
    assert status == 404


@pytest.mark.slow
def test_parkinson_views_in_the_browser(site: dict, tmp_path: Path) -> None:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("chromium / chromium-driver missing: run scripts/setup")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    ref = site["pd"]["patient"]
    driver = chrome(tmp_path)
    try:
        browser_login(driver, site["url"], "anna", PW_A)
        wait = WebDriverWait(driver, 30)
        wait.until(ec.url_to_be(site["url"] + "/"))
        assert len(driver.find_elements(By.CSS_SELECTOR, "#patients tbody tr")) == 4
        driver.find_element(By.ID, "filter-pd").click()
        wait.until(ec.url_contains("protocol=parkinson"))
        rows = driver.find_elements(By.CSS_SELECTOR, "#patients tbody tr")
        assert len(rows) == 1 and "Parkinson's" in rows[0].text
        driver.find_element(By.LINK_TEXT, ref).click()
        wait.until(ec.url_contains("/patient/"))
        charts = driver.find_elements(By.CSS_SELECTOR, "#pd-charts svg.chart")
        assert len(charts) == 4 and all(c.size["width"] > 400 for c in charts)
        assert len(driver.find_elements(By.CSS_SELECTOR, "#pd-charts circle.dot")) == 20
        section = driver.find_element(By.ID, "parkinson")
        assert section.is_displayed() and "Screening, not a diagnosis." in section.text
        assert "Pitch variation (monopitch)" in section.text and "outside" in section.text
        # the tables sit side by side without overlapping (laptop width)
        tables = driver.find_elements(By.CSS_SELECTOR, "#parkinson table.mini")
        boxes = [(t.location["x"], t.location["y"], t.size["width"], t.size["height"]) for t in tables]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert (a[0] + a[2] <= b[0] + 1 or b[0] + b[2] <= a[0] + 1 or a[1] + a[3] <= b[1] + 1
                        or b[1] + b[3] <= a[1] + 1), (a, b)
        shot = tmp_path / "patient-parkinson.png"
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 20_000
    finally:
        driver.quit()


def test_csv_has_the_protocol_and_the_parkinson_columns(site: dict) -> None:
    import csv
    import io
    ref = site["pd"]["patient"]
    c = Client(site["url"])
    assert c.login("anna", PW_A)[0] == 302
    _, _, data = c.get(f"/export.csv?ref={quote(ref)}")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert len(rows) == 5 and {r["protocol"] for r in rows} == {"parkinson"}
    for r, s in zip(rows, site["pd"]["summaries"]):
        assert r["session_id"] == s.session_id
        f0 = next(m.value for m in s.parkinson.measures if m.key == "speech.f0_sd_st")
        jaw = next(t for t in s.parkinson.tremor if t.site == "jaw")
        assert float(r["pd_speech_f0_sd_st"]) == f0 and r["pd_blink_duration_ms"] == ""
        assert float(r["pd_tremor_jaw_sit_still_amplitude_mm"]) == jaw.amplitude_mm
        assert r["pd_tremor_jaw_sit_still_detected"] == str(jaw.detected).lower()
        assert r["pd_tremor_hand_left_hands_lap_detected"] == ""          # not measured
    _, _, palsy = c.get(f"/export.csv?ref={quote(site['demo'])}")
    prow = next(csv.DictReader(io.StringIO(palsy.decode())))
    assert prow["protocol"] == "palsy" and prow["pd_speech_f0_sd_st"] == ""


def test_downloads_of_a_parkinson_session(site: dict) -> None:
    """The clinician PDF (the kiosk's report code) and the FHIR bundle of a version-2 session."""
    import io
    import json

    from pypdf import PdfReader
    ref = site["pd"]["patient"]
    latest = site["pd"]["summaries"][-1]
    c = Client(site["url"])
    assert c.login("anna", PW_A)[0] == 302
    status, headers, pdf = c.get(f"/patient/clinician.pdf?ref={quote(ref)}")
    assert status == 200 and pdf.startswith(b"%PDF-")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert ref in text and "Parkinson's screening measures" in text
    assert "previous Parkinson's session" in text             # trend columns from the earlier summaries
    status, _, body = c.get(f"/patient/fhir.json?ref={quote(ref)}&session={latest.session_id}")
    assert status == 200
    obs = [e["resource"] for e in json.loads(body)["entry"] if e["resource"]["resourceType"] == "Observation"]
    pd = next(o for o in obs if o["code"]["coding"][0]["code"] == "parkinson-screening")
    codes = {c["code"]["coding"][0]["code"] for c in pd["component"]}
    assert {m.key for m in latest.parkinson.measures} <= codes
