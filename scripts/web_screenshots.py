#!/usr/bin/env python3
"""Screenshot every clinic-web page at 1366x768 (laptop) and 768x1024 (tablet), headless Chromium.

    .venv/bin/python scripts/web_screenshots.py [--out web-screenshots/] [--db clinic.db]

Without ``--db`` a throw-away SQLite clinic database is seeded with two clinics
(tests/web_helpers.py: demo_clinics) and a Parkinson's-protocol patient (demo_parkinson). An admin
in clinic A logs in; writes
<out>/<width>x<height>/<page>.png (full page height) and prints each file.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

PASSWORD = "screenshot-pass-2026"


def pages(ref: str, pd_ref: str | None = None) -> list[tuple[str, str]]:
    from urllib.parse import quote
    out = [("patients", "/"), ("patient", f"/patient/?ref={quote(ref)}"), ("devices", "/devices/"),
           ("users", "/users/"), ("audit", "/audit/")]
    if pd_ref:
        out += [("patients-parkinson", "/?protocol=parkinson"), ("patient-parkinson", f"/patient/?ref={quote(pd_ref)}")]
    return out


def main() -> int:
    from web_helpers import WebServer, browser_login, chrome, cli, demo_clinics, demo_parkinson
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("web-screenshots"))
    p.add_argument("--db", help="existing clinic database (default: seeded throw-away SQLite)")
    p.add_argument("--patient", help="patient reference for the patient page (default: the seeded demo patient)")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="web-shots-"))
    db = args.db or str(tmp / "clinic.db")
    ref = args.patient
    pd_ref = None
    if not args.db:
        seeded = demo_clinics(db)
        pd_ref = demo_parkinson(db)["patient"]
        ref = ref or seeded["demo"]
        for dev in seeded["A"]:
            cli("add-device", dev, "--clinic", "A", "--db", db)
        cli("add-device", seeded["B"][0], "--clinic", "B", "--db", db)
    user = "shots-admin"
    r = cli("add-user", user, "--db", db, "--role", "admin", "--clinic", "A", "--clinic", "default", stdin=PASSWORD + "\n")
    if r.returncode not in (0, 1):
        print(r.stderr, file=sys.stderr)
        return 1
    with WebServer(db) as srv:
        for w, h in ((1366, 768), (768, 1024)):
            folder = args.out / f"{w}x{h}"
            folder.mkdir(parents=True, exist_ok=True)
            driver = chrome(tmp, (w, h))
            try:
                driver.get(srv.url + "/login/")
                driver.save_screenshot(str(folder / "login.png"))
                print(folder / "login.png")
                browser_login(driver, srv.url, user, PASSWORD)
                for name, path in pages(ref or "", pd_ref):
                    driver.get(srv.url + path)
                    height = driver.execute_script("return document.documentElement.scrollHeight")
                    driver.set_window_size(w, max(h, min(int(height) + 140, 6000)))
                    driver.save_screenshot(str(folder / f"{name}.png"))
                    driver.set_window_size(w, h)
                    print(folder / f"{name}.png")
            finally:
                driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
