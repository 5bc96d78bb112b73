"""clinic-web over a real SQLite clinic store and a real ``clinic-web serve`` (gunicorn) process:
users from the CLI with argon2 hashes, login throttle, clinic scoping (404 across clinics),
anonymous requests, CSRF, headers and cookies, downloads read back, audit trail."""
from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
from pypdf import PdfReader

from clinic.web.devtools import Client, WebServer, cli, demo_clinics

PW_A, PW_B, PW_ADMIN = "clinic-a-password-1", "clinic-b-password-2", "admin-password-3"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    db = str(tmp_path_factory.mktemp("web") / "clinic.db")
    seeded = demo_clinics(db)
    for dev in seeded["A"]:
        assert cli("add-device", dev, "--clinic", "A", "--db", db).returncode == 0
    assert cli("add-device", "kiosk-b1", "--clinic", "B", "--db", db).returncode == 0
    for user, pw, extra in (("anna", PW_A, ("--clinic", "A")), ("bert", PW_B, ("--clinic", "B")),
                            ("root", PW_ADMIN, ("--clinic", "A", "--role", "admin"))):
        r = cli("add-user", user, "--db", db, *extra, stdin=pw + "\n")
        assert r.returncode == 0, r.stderr
    with WebServer(db, workers=2, threads=2) as srv:
        yield {"db": db, "url": srv.url, **seeded}


def logged_in(site: dict, user: str, pw: str) -> Client:
    c = Client(site["url"])
    status, headers, _ = c.login(user, pw)
    assert status == 302 and headers["location"] == "/", (status, headers)
    return c


def test_cli_users_have_argon2_hashes_and_bad_input_is_refused(site: dict) -> None:
    conn = sqlite3.connect(site["db"])
    hashes = dict(conn.execute("SELECT username, password FROM auth_user"))
    staff = dict(conn.execute("SELECT username, is_staff FROM auth_user"))
    conn.close()
    assert set(hashes) >= {"anna", "bert", "root"}
    assert all(h.startswith("argon2$argon2id$") for h in hashes.values())
    assert PW_A not in hashes["anna"]
    assert staff["root"] == 1 and staff["anna"] == 0
    short = cli("add-user", "carl", "--db", site["db"], stdin="short\n")
    assert short.returncode == 1 and "at least 10 characters" in short.stderr and len(short.stderr.splitlines()) == 1
    again = cli("add-user", "anna", "--db", site["db"], stdin="another-good-password\n")
    assert again.returncode == 1 and "already exists" in again.stderr
    bad_dev = cli("add-device", "kiosk a1; drop", "--clinic", "A", "--db", site["db"])
    assert bad_dev.returncode == 1 and "device id" in bad_dev.stderr


def test_anonymous_gets_only_the_login_page(site: dict) -> None:
    c = Client(site["url"])
    ref = quote(site["demo"])
    for path in ("/", f"/patient/?ref={ref}", f"/patient/clinician.pdf?ref={ref}", f"/patient/fhir.json?ref={ref}",
                 "/export.csv", f"/export.csv?ref={ref}", "/devices/", "/users/", "/audit/"):
        status, headers, body = c.get(path)
        assert status == 302 and headers["location"].startswith("/login/?next="), path
        assert site["demo"].encode() not in body
    status, _, body = c.get("/login/")
    assert status == 200 and b'name="password"' in body and site["demo"].encode() not in body


def test_wrong_password_sees_no_data_and_the_lockout_grows(site: dict) -> None:
    cli("add-user", "dora", "--db", site["db"], "--clinic", "A", stdin="dora-password-44\n")
    c = Client(site["url"])
    for i in range(4):          # free failures
        status, _, body = c.login("dora", f"wrong-{i}")
        assert status == 401 and b"Wrong user name or password." in body and b"Locked" not in body
        assert site["demo"].encode() not in body
    status, _, body = c.login("dora", "wrong-5")
    assert status == 401 and b"Locked for 1 min" in body
    status, _, body = c.login("dora", "dora-password-44")     # right password, still locked
    assert status == 401 and b"Too many wrong passwords" in body
    assert c.get("/")[0] == 302
    conn = sqlite3.connect(site["db"])
    row = conn.execute("SELECT failures, locked_until FROM web_login_throttle WHERE key = 'user:dora'").fetchone()
    actions = [r[0] for r in conn.execute("SELECT action FROM web_audit WHERE username = 'dora' ORDER BY id")]
    conn.close()
    assert row[0] == 5 and row[1] is not None
    assert actions == ["login_failed"] * 5 + ["login_locked"]


def test_lockout_seconds_double_up_to_an_hour() -> None:
    from clinic.web.throttle import lock_seconds
    assert [lock_seconds(n) for n in range(1, 9)] == [0, 0, 0, 0, 30, 60, 120, 240]
    assert lock_seconds(40) == 3600


def test_clinician_of_clinic_a_gets_404_on_clinic_b(site: dict) -> None:
    anna = logged_in(site, "anna", PW_A)
    b_ref = quote(site["b_patient"])
    status, _, body = anna.get("/")
    assert status == 200 and site["demo"].encode() in body and site["b_patient"].encode() not in body
    for path in (f"/patient/?ref={b_ref}", f"/patient/clinician.pdf?ref={b_ref}", f"/patient/fhir.json?ref={b_ref}",
                 f"/export.csv?ref={b_ref}", "/patient/?ref=NOBODY", "/users/", "/audit/"):
        status, _, body = anna.get(path)
        assert status == 404 and site["b_patient"].encode() not in body, path
    _, _, found = anna.get("/?q=demo-a")
    assert site["demo"].encode() in found and b"A-0002" not in found
    for wild in ("%", "_", "%25", "'"):                                    # LIKE wildcards are literal
        status, _, none = anna.get("/?q=" + quote(wild))
        assert status == 200 and b"No patient matches" in none
    _, _, csv_all = anna.get("/export.csv")
    assert b"B-0001" not in csv_all and b"kiosk-b1" not in csv_all
    _, _, dev = anna.get("/devices/")
    assert b"kiosk-a1" in dev and b"kiosk-b1" not in dev
    bert = logged_in(site, "bert", PW_B)
    assert bert.get(f"/patient/?ref={b_ref}")[0] == 200
    assert bert.get(f"/patient/?ref={quote(site['demo'])}")[0] == 404


def test_csrf_on_every_post(site: dict) -> None:
    anna = logged_in(site, "anna", PW_A)
    assert anna.request("/logout/", {})[0] == 403                        # no token
    assert anna.get("/")[0] == 200                                        # still logged in
    assert Client(site["url"]).request("/login/", {"username": "anna", "password": PW_A})[0] == 403
    root = logged_in(site, "root", PW_ADMIN)
    assert root.request("/devices/assign", {"device_id": "kiosk-b1", "clinic_id": "A"})[0] == 403
    status, headers, _ = anna.post("/logout/", {}, token_from="/")
    assert status == 302 and headers["location"] == "/login/"
    assert anna.get("/")[0] == 302                                        # the session is gone


def test_headers_and_cookies(site: dict, tmp_path: Path) -> None:
    c = Client(site["url"])
    status, headers, _ = c.login("anna", PW_A)
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    cookie = headers["set-cookie"]
    assert "clinicweb_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie                                         # plain HTTP on loopback
    with WebServer(site["db"], extra=("--secure",)) as tls:               # behind the TLS proxy
        import re
        s = Client(tls.url)
        proxy = {"X-Forwarded-Proto": "https"}
        status, headers, body = s.get("/login/", headers=proxy)
        assert status == 200 and headers["strict-transport-security"].startswith("max-age=")
        csrf_cookie = headers["set-cookie"]
        assert "Secure" in csrf_cookie and "HttpOnly" in csrf_cookie
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        cookie = csrf_cookie.split(";")[0]
        host = tls.url.split("//")[1]
        status, headers, _ = s.request("/login/", {"username": "anna", "password": PW_A, "csrfmiddlewaretoken": token},
                                       headers={**proxy, "Cookie": cookie, "Origin": f"https://{host}",
                                                "Referer": f"https://{host}/login/",
                                                "X-Forwarded-For": "10.9.8.7, 192.0.2.55"})
        assert status == 302
        assert "Secure" in headers["set-cookie"] and "HttpOnly" in headers["set-cookie"]
    conn = sqlite3.connect(site["db"])
    addrs = [r[0] for r in conn.execute("SELECT remote_addr FROM web_audit WHERE username = 'anna' AND action = 'login'")]
    conn.close()
    assert "192.0.2.55" in addrs and "127.0.0.1" in addrs      # the proxy's view of the client, and direct


def test_patient_page_downloads_and_audit(site: dict) -> None:
    anna = logged_in(site, "anna", PW_A)
    ref = quote(site["demo"])
    status, _, page = anna.get(f"/patient/?ref={ref}")
    html = page.decode()
    assert status == 200 and html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
    assert html.count("#detail\">") == 6                                  # six sessions in the table
    assert "Sunnybrook-style grid" in html and "House-Brackmann estimate" in html and "syll/s" in html
    assert "<script" not in html and "style=" not in html                 # nothing the CSP would block
    status, headers, pdf = anna.get(f"/patient/clinician.pdf?ref={ref}")
    assert status == 200 and headers["content-type"] == "application/pdf" and "attachment" in headers["content-disposition"]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert site["demo"] in text and "clinician report" in text and "Comparison with earlier sessions" in text
    status, _, fhir = anna.get(f"/patient/fhir.json?ref={ref}")
    bundle = json.loads(fhir)
    from fhir.resources.R4B.bundle import Bundle
    Bundle.model_validate(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert bundle["type"] == "transaction" and kinds.count("Observation") == 2 and "DiagnosticReport" in kinds
    report = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DiagnosticReport")
    assert report["presentedForm"][0]["contentType"] == "application/pdf"
    status, _, data = anna.get(f"/export.csv?ref={ref}")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert len(rows) == 6 and {r["patient_ref"] for r in rows} == {site["demo"]}
    assert all(0 <= float(r["sunnybrook_composite"]) <= 100 for r in rows)
    conn = sqlite3.connect(site["db"])
    events = conn.execute("SELECT action, patient_ref FROM web_audit WHERE username = 'anna' "
                          "AND action IN ('view', 'export_pdf', 'export_fhir', 'export_csv')").fetchall()
    conn.close()
    assert {("view", site["demo"]), ("export_pdf", site["demo"]), ("export_fhir", site["demo"]),
            ("export_csv", site["demo"])} <= set(events)
    root = logged_in(site, "root", PW_ADMIN)
    status, _, audit = root.get(f"/audit/?ref={ref}")
    assert status == 200 and b"export_pdf" in audit and b"anna" in audit


def test_admin_manages_users_and_devices(site: dict) -> None:
    root = logged_in(site, "root", PW_ADMIN)
    status, headers, _ = root.post("/users/action", {"action": "create", "username": "emil", "password": "emil-password-55",
                                                     "role": "clinician", "clinics": ["B"]}, token_from="/users/")
    assert status == 302 and "created" in headers["location"]
    emil = logged_in(site, "emil", "emil-password-55")
    assert emil.get(f"/patient/?ref={quote(site['b_patient'])}")[0] == 200
    # move kiosk-b1 to clinic A: its patient leaves B's view and enters A's
    status, _, _ = root.post("/devices/assign", {"device_id": "kiosk-b1", "clinic_id": "A"}, token_from="/devices/")
    assert status == 302
    assert emil.get(f"/patient/?ref={quote(site['b_patient'])}")[0] == 404
    anna = logged_in(site, "anna", PW_A)
    assert anna.get(f"/patient/?ref={quote(site['b_patient'])}")[0] == 200
    root.post("/devices/assign", {"device_id": "kiosk-b1", "clinic_id": "B"}, token_from="/devices/")
    root.post("/users/action", {"action": "deactivate", "username": "emil"}, token_from="/users/")
    assert emil.get("/")[0] == 302                                        # a deactivated user is logged out


def test_a_session_id_reused_by_two_kiosks_is_chosen_by_device(site: dict) -> None:
    import random
    from datetime import datetime, timedelta, timezone
    from clinic.web.devtools import course, store_all
    rng = random.Random(99)
    start = datetime.now(timezone.utc) - timedelta(days=3)
    (one,) = course(rng, device_id="kiosk-a1", patient_ref="A-REUSE", start=start, weeks=1, baseline=20, noise=0)
    (two,) = course(rng, device_id="kiosk-a2", patient_ref="A-REUSE", start=start + timedelta(days=1), weeks=1,
                    baseline=80, noise=0)
    two = two.model_copy(update={"session_id": one.session_id})
    assert store_all(site["db"], [one, two]) == 2                      # keyed by (device, session)
    anna = logged_in(site, "anna", PW_A)
    for dev, composite in (("kiosk-a1", 20), ("kiosk-a2", 80)):
        status, _, body = anna.get(f"/patient/?ref=A-REUSE&session={one.session_id}&device={dev}")
        html = body.decode()
        assert status == 200 and f"kiosk {dev}, software" in html
        assert f'<tr class="total big"><td>Composite (0–100)</td><td class="num">{composite}</td>' in html
        status, _, pdf = anna.get(f"/patient/clinician.pdf?ref=A-REUSE&session={one.session_id}&device={dev}")
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert status == 200 and dev in text
