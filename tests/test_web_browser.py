"""The done-when of issue 16 in a real browser (Debian Chromium + chromedriver, Selenium, nothing downloaded):
after ``kiosk demo``, a user made with ``clinic-web add-user`` logs in to ``clinic-web serve``, finds the
demo patient, sees six sessions with three charts, downloads the clinician PDF, logs out, and can no
longer reach the patient page."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from pypdf import PdfReader

from clinic.web.devtools import CHROMEDRIVER, CHROMIUM, WebServer, browser_login, chrome, cli, wait_for_file
from kiosk.cli import main as kiosk_main

pytestmark = [pytest.mark.slow, pytest.mark.broker]
PASSWORD = "neurologist-pass-1"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Path:
    if shutil.which("mosquitto") is None and not Path("/usr/sbin/mosquitto").exists():
        pytest.fail("mosquitto is not installed: run scripts/setup")
    out = tmp_path_factory.mktemp("demo")
    assert kiosk_main(["demo", "--out", str(out)]) == 0
    return out / "clinic.db"


def test_demo_patient_in_the_browser(demo_db: Path, tmp_path: Path) -> None:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("chromium / chromium-driver missing: run scripts/setup")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    conn = sqlite3.connect(demo_db)
    (ref, n), = conn.execute("SELECT patient_ref, COUNT(*) FROM session_summaries GROUP BY patient_ref").fetchall()
    conn.close()
    assert n == 6
    r = cli("add-user", "neuro", "--db", str(demo_db), stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with WebServer(str(demo_db)) as srv:
        driver = chrome(downloads)
        try:
            browser_login(driver, srv.url, "neuro", "wrong-password-0")
            assert "/login/" in driver.current_url and ref not in driver.page_source
            browser_login(driver, srv.url, "neuro", PASSWORD)
            wait = WebDriverWait(driver, 30)
            wait.until(ec.url_to_be(srv.url + "/"))
            box = driver.find_element(By.ID, "q")
            box.send_keys(ref[:9])
            box.submit()
            wait.until(ec.url_contains("?q="))
            driver.find_element(By.LINK_TEXT, ref).click()
            wait.until(ec.url_contains("/patient/"))
            assert driver.find_element(By.ID, "patient-ref").text == ref
            charts = driver.find_elements(By.CSS_SELECTOR, "#charts svg.chart")
            assert len(charts) == 3 and all(c.size["width"] > 300 for c in charts)
            assert len(driver.find_elements(By.CSS_SELECTOR, "#charts svg.chart circle.dot")) == 18   # 6 weeks x 3
            assert len(driver.find_elements(By.CSS_SELECTOR, "#sessions tbody tr")) == 6
            patient_url = driver.current_url
            driver.find_element(By.ID, "pdf").click()
            pdf = wait_for_file(downloads, ".pdf")
            text = " ".join(p.extract_text() for p in PdfReader(pdf).pages)
            assert ref in text and "clinician report" in text and "Comparison with earlier sessions" in text
            driver.find_element(By.ID, "logout").click()
            wait.until(ec.url_contains("/login/"))
            driver.get(patient_url)
            assert "/login/" in driver.current_url                      # the login form, and no patient data:
            assert driver.find_elements(By.ID, "password") and not driver.find_elements(By.ID, "sessions")
            assert "Sunnybrook" not in driver.page_source and "composite" not in driver.page_source
        finally:
            driver.quit()
