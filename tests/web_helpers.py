"""Helpers shared by the dashboard's tests, ``scripts/web_screenshots.py`` and ``scripts/load_clinic_web.py``:
seeded patient courses in a real clinic store, a ``clinic-web serve`` subprocess on a free port,
and headless Debian Chromium driven by Selenium through the installed chromedriver.

Nothing is downloaded: the driver path is explicit (``/usr/bin/chromedriver``), so Selenium
Manager never runs, and Chromium's background networking, component updates and sync are off.
"""
from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from kiosk.demo.samples import sample_assessment, sample_parkinson
from kiosk.protocol.steps import SUNNYBROOK_EXPRESSIONS
from kiosk.scoring.grades import hb_roman
from wire.schema import SessionSummary, build_summary

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--disable-default-apps", "--disable-extensions", "--hide-scrollbars")


def _grade(composite: float) -> int:
    """A House-Brackmann grade roughly matching a composite (Kanerva 2011 medians), for synthetic data."""
    for grade, floor in ((1, 90), (2, 75), (3, 55), (4, 35), (5, 15)):
        if composite >= floor:
            return grade
    return 6


def palsy_assessment(rng: random.Random, comp: float) -> dict[str, Any]:
    """A contract-shaped assessment whose face and speech scores match a Sunnybrook-style composite ``comp``."""
    a = sample_assessment(rng)
    ratio = 0.25 + 0.75 * comp / 100
    for m in a["face"]["regions"].values():
        m["ratio"] = round(min(1.0, max(0.0, ratio + rng.uniform(-0.05, 0.05))), 3)
    grade = _grade(comp)
    c = round(comp)
    voluntary = min(100, max(20, c + 5))  # the form's arithmetic: composite = voluntary - resting - synkinesis
    a["face"]["sunnybrook"].update(composite=c, voluntary=voluntary, resting=voluntary - c, synkinesis=0)
    a["face"]["sunnybrook"]["inputs"] = {"resting_items": {"eye": 0, "cheek": 1, "mouth": 0},
                                         "voluntary_items_1_5": {k: max(1, min(5, round(1 + 4 * ratio)))
                                                                 for k in ("brow", "eye_gentle", "smile", "snarl", "pucker")},
                                         "synkinesis_items_0_3": {k: 0 for k in SUNNYBROOK_EXPRESSIONS}}
    a["face"]["house_brackmann"].update(grade=grade, roman=hb_roman(grade))
    a["speech"]["clarity_score"] = round(min(100, 40 + comp / 2 + rng.uniform(-5, 5)))
    a["speech"]["msii"] = round(max(0, 60 - comp / 2 + rng.uniform(-5, 5)))
    return a


def course(rng: random.Random, *, device_id: str, patient_ref: str, start: datetime, weeks: int,
           baseline: float = 30.0, gain_per_week: float = 8.0, noise: float = 4.0) -> list[SessionSummary]:
    """One patient's weekly sessions with a recovering composite (synthetic, seeded; no real person)."""
    out = []
    for w in range(weeks):
        comp = max(0.0, min(100.0, baseline + gain_per_week * w + rng.uniform(-noise, noise)))
        a = palsy_assessment(rng, comp)
        t = start + timedelta(weeks=w, minutes=rng.randint(0, 600))
        out.append(build_summary(session_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), device_id=device_id,
                                 patient_ref=patient_ref, started_at=t, finished_at=t + timedelta(minutes=6),
                                 assessment=a, model_versions={"face_landmark.tflite": "1055cb9d0e7b"},
                                 app_version="0.1.0"))
    return out


def parkinson_course(rng: random.Random, *, device_id: str, patient_ref: str, start: datetime,
                     severities: tuple[float, ...] = (0.3, 0.4, 0.5, 0.65, 0.8)) -> list[SessionSummary]:
    """One patient's Parkinson's-protocol sessions every two weeks with signs growing by ``severities``
    (schema v2; synthetic, seeded; no real person)."""
    out = []
    for i, sev in enumerate(severities):
        a = palsy_assessment(rng, 96 - 4 * sev)       # symmetric face: the palsy scores stay near normal
        a["face"].update(affected_side="none", severity_class="normal")
        a["protocol"] = "parkinson"
        a["parkinson"] = sample_parkinson(rng, severity=sev)
        t = start + timedelta(weeks=2 * i, minutes=rng.randint(0, 600))
        out.append(build_summary(session_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), device_id=device_id,
                                 patient_ref=patient_ref, started_at=t, finished_at=t + timedelta(minutes=11),
                                 assessment=a, model_versions={"face_landmark.tflite": "1055cb9d0e7b"},
                                 app_version="0.2.0"))
    return out


def demo_parkinson(db: str, *, device_id: str = "kiosk-a1", patient_ref: str = "PD-A-0001",
                   rng_seed: int = 11) -> dict[str, Any]:
    """A Parkinson's-protocol patient (five sessions over eight weeks) on a clinic-A kiosk."""
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(weeks=8, days=2)
    summaries = parkinson_course(random.Random(rng_seed), device_id=device_id, patient_ref=patient_ref, start=start)
    store_all(db, summaries)
    return {"patient": patient_ref, "summaries": summaries}


def store_all(db: str, summaries: list[SessionSummary]) -> int:
    """Insert through the clinic store (the receiver's code path); returns the number stored."""
    from clinic.store import open_clinic_store
    store = open_clinic_store(db)
    try:
        return sum(store.insert_summary(s, s.model_dump_json()) for s in summaries)
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``clinic-web ARGS`` as a separate process (the installed entry point's code)."""
    e = dict(os.environ, PYTHONPATH=str(ROOT)) | (env or {})
    return subprocess.run([sys.executable, "-m", "clinic.web.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=120, env=e)


class WebServer:
    """``clinic-web serve`` on a free 127.0.0.1 port; ``with WebServer(db) as srv: srv.url``."""

    def __init__(self, db: str, *, workers: int = 1, threads: int = 4, extra: tuple[str, ...] = ()) -> None:
        self.db, self.port = db, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = ("serve", "--db", db, "--host", "127.0.0.1", "--port", str(self.port),
                     "--workers", str(workers), "--threads", str(threads), *extra)
        self.log = tempfile.NamedTemporaryFile(prefix="clinic-web-", suffix=".log", delete=False)
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "WebServer":
        self.proc = subprocess.Popen([sys.executable, "-m", "clinic.web.cli", *self.args], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"clinic-web exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.url + "/login/", timeout=2).read()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("clinic-web did not answer within 60 s")

    def __exit__(self, *exc: Any) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        Path(self.log.name).unlink(missing_ok=True)


def chrome(download_dir: Path, size: tuple[int, int] = (1366, 768)) -> Any:
    """Headless Debian Chromium via /usr/bin/chromedriver (Selenium Manager never runs)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    for flag in CHROME_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.add_argument(f"--window-size={size[0]},{size[1]}")
    opts.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                           "download.prompt_for_download": False,
                                           "plugins.always_open_pdf_externally": True})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(60)
    return driver


def browser_login(driver: Any, base: str, user: str, password: str) -> None:
    from selenium.webdriver.common.by import By
    driver.get(base + "/login/")
    driver.find_element(By.ID, "username").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login").click()


def wait_for_file(folder: Path, suffix: str, timeout_s: float = 30.0) -> Path:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = [p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0]
        if done:
            return done[0]
        time.sleep(0.2)
    raise TimeoutError(f"no {suffix} in {folder} after {timeout_s} s")


def demo_clinics(db: str, rng_seed: int = 7) -> dict[str, Any]:
    """Two clinics for tests and screenshots: A (kiosk-a1, three patients, one a 6-week course)
    and B (kiosk-b1, one patient); summaries stored first, devices assigned with the CLI."""
    rng = random.Random(rng_seed)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    start = now - timedelta(weeks=5, days=1)
    summaries = (course(rng, device_id="kiosk-a1", patient_ref="DEMO-A-0001", start=start, weeks=6)
                 + course(rng, device_id="kiosk-a1", patient_ref="A-0002", start=start - timedelta(weeks=8), weeks=9,
                          baseline=60, gain_per_week=-2)
                 + course(rng, device_id="kiosk-a2", patient_ref="A-0003", start=start - timedelta(weeks=3), weeks=2)
                 + course(rng, device_id="kiosk-b1", patient_ref="B-0001", start=start, weeks=4))
    store_all(db, summaries)
    return {"A": ("kiosk-a1", "kiosk-a2"), "B": ("kiosk-b1",), "demo": "DEMO-A-0001", "b_patient": "B-0001",
            "n": len(summaries)}



class Client:
    """A cookie-keeping HTTP client for tests: GET, and POST with the page's CSRF token (no redirects followed)."""

    def __init__(self, base: str) -> None:
        import http.cookiejar
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class _NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a: Any, **k: Any) -> None:
                return None
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, path: str, data: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        import urllib.error
        import urllib.parse
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def get(self, path: str, **kw: Any) -> tuple[int, dict[str, str], bytes]:
        return self.request(path, **kw)

    def csrf(self, path: str = "/login/") -> str:
        """The CSRF token of the form on ``path``."""
        import re
        _, _, body = self.get(path)
        m = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if not m:
            raise AssertionError(f"no CSRF token on {path}")
        return m.group(1).decode()

    def post(self, path: str, data: dict[str, Any], token_from: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        token = self.csrf(token_from or path)
        return self.request(path, {**data, "csrfmiddlewaretoken": token},
                            headers={"Referer": self.base + (token_from or path), **(headers or {})})

    def login(self, user: str, password: str) -> tuple[int, dict[str, str], bytes]:
        return self.post("/login/", {"username": user, "password": password})
