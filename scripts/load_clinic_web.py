#!/usr/bin/env python3
"""Load test of clinic-web on PostgreSQL: 200 kiosks x 2 years of weekly sessions, concurrent clients.

    .venv/bin/python scripts/load_clinic_web.py [--kiosks 200] [--weeks 104] [--clients 8] [--requests 400]
                                                [--workers 2] [--threads 4] [--url postgresql://...]

Without ``--url`` a throw-away PostgreSQL 15 server is started in a temp dir (as the tests do).
Each kiosk serves one patient at a time for 26 weeks (4 patients per kiosk over 2 years), kiosks are
spread over 20 clinics. Summaries go in through the clinic store's own column mapping; kiosks are
assigned to clinics in ``web_device``. ``clinic-web serve`` then runs with ``--workers`` processes;
``--clients`` threads, each logged in with its own session, request the patient list (page 1 and a
search) and random patient pages. Prints p50/p95/max latency per page for two users: one clinician of
one clinic (10 kiosks) and one member of every clinic (all 200 kiosks), and the query plans' indexes.
Target: p95 < 200 ms.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

PASSWORD = "load-test-password-1"
REFERENCE = "reference"      # the login form: Django's request path without our queries, same run, same load
WEEKS_PER_PATIENT = 26
CLINICS = 20


def fill(url: str, kiosks: int, weeks: int, seed: int = 1) -> tuple[int, list[str]]:
    """Insert the sessions in one transaction per kiosk; return (sessions, patient refs)."""
    import psycopg
    from clinic.store.base import summary_columns
    from clinic.store.postgres import PostgresClinicStore
    from clinic.web.devtools import course
    PostgresClinicStore(url).close()                  # the receiver's schema (its migrations)
    rng = random.Random(seed)
    end = datetime.now(timezone.utc).replace(microsecond=0)
    start = end - timedelta(weeks=weeks)
    refs: list[str] = []
    n = 0
    with psycopg.connect(url) as conn:
        for k in range(kiosks):
            device = f"kiosk-{k:03d}"
            rows = []
            for p in range(0, weeks, WEEKS_PER_PATIENT):
                ref = f"P-{k:03d}-{p // WEEKS_PER_PATIENT}"
                refs.append(ref)
                for s in course(rng, device_id=device, patient_ref=ref, start=start + timedelta(weeks=p),
                                weeks=min(WEEKS_PER_PATIENT, weeks - p), baseline=rng.uniform(10, 60),
                                gain_per_week=rng.uniform(-0.5, 3.5)):
                    cols = summary_columns(s) | {"payload": s.model_dump_json(),
                                                 "received_at": s.finished_at + timedelta(minutes=rng.randint(1, 90))}
                    rows.append(cols)
            names = list(rows[0])
            sql = (f"INSERT INTO session_summaries ({', '.join(names)}) VALUES "
                   f"({', '.join('%(' + c + ')s' for c in names)}) ON CONFLICT DO NOTHING")
            with conn.cursor() as cur:
                cur.executemany(sql, rows)
            conn.commit()
            n += len(rows)
        conn.execute("ANALYZE session_summaries")
        conn.commit()
    return n, refs


def setup_users(url: str, kiosks: int) -> None:
    import psycopg
    from clinic.web.devtools import cli
    for user, clinics in (("one-clinic", ["c00"]), ("all-clinics", [f"c{i:02d}" for i in range(CLINICS)])):
        args = [a for c in clinics for a in ("--clinic", c)]
        r = cli("add-user", user, "--db", url, *args, stdin=PASSWORD + "\n")
        if r.returncode not in (0, 1):
            raise SystemExit(r.stderr)
    with psycopg.connect(url) as conn:
        conn.cursor().executemany(
            "INSERT INTO web_device (device_id, clinic_id, label, assigned_at) VALUES (%s, %s, '', now()) "
            "ON CONFLICT (device_id) DO UPDATE SET clinic_id = EXCLUDED.clinic_id",
            [(f"kiosk-{k:03d}", f"c{k % CLINICS:02d}") for k in range(kiosks)])
        conn.execute("ANALYZE")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


def run_clients(base: str, user: str, refs: list[str], clients: int, per_client: int, seed: int) -> dict[str, list[float]]:
    from clinic.web.devtools import Client
    times: dict[str, list[float]] = {"patient list": [], "patient search": [], "patient page": [],
                                     REFERENCE: []}
    errors: list[str] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        rng = random.Random(seed * 100 + i)
        c = Client(base)
        status, _, _ = c.login(user, PASSWORD)
        if status != 302:
            errors.append(f"login {status}")
            return
        for j in range(per_client):
            kind = ("patient list", "patient search", "patient page", "patient page", REFERENCE)[j % 5]
            if kind == REFERENCE:
                path = "/login/"
            elif kind == "patient list":
                path = "/"
            elif kind == "patient search":
                path = "/?q=" + quote(rng.choice(refs)[:6])
            else:
                path = "/patient/?ref=" + quote(rng.choice(refs))
            t0 = time.perf_counter()
            status, _, body = c.get(path)
            dt = (time.perf_counter() - t0) * 1000
            if status != 200:
                errors.append(f"{path} {status}")
                continue
            with lock:
                times[kind].append(dt)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    return times


def explain(url: str, ref: str) -> list[str]:
    """Which indexes the patient page's query uses (EXPLAIN, as clinic.web.queries runs it)."""
    import psycopg
    sql = ("EXPLAIN SELECT s.session_id, s.device_id, s.started_at, s.received_at, s.payload FROM session_summaries s "
           "LEFT JOIN web_device d ON d.device_id = s.device_id WHERE COALESCE(d.clinic_id, 'default') IN ('c00') "
           "AND s.patient_ref = %s ORDER BY s.started_at, s.session_id")
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute(sql, (ref,)).fetchall() if "Index" in r[0] or "Scan" in r[0]]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kiosks", type=int, default=200)
    p.add_argument("--weeks", type=int, default=104)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--requests", type=int, default=400, help="requests per user (spread over the clients)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--url", help="existing empty PostgreSQL database (default: a temp server)")
    args = p.parse_args()
    from clinic.web.devtools import WebServer
    server = None
    url = args.url
    if url is None:
        from deploy_helpers import PostgresServer
        server = PostgresServer().start()
        url = server.create_db("clinicload")
    try:
        t0 = time.monotonic()
        n, refs = fill(url, args.kiosks, args.weeks)
        setup_users(url, args.kiosks)
        import os
        print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"filled {n} sessions, {len(refs)} patients, {args.kiosks} kiosks in {CLINICS} clinics "
              f"in {time.monotonic() - t0:.0f} s")
        with WebServer(url, workers=args.workers, threads=args.threads) as srv:
            run_clients(srv.url, "all-clinics", refs, 2, 4, seed=0)          # warm-up
            for user, visible in (("one-clinic", [r for r in refs if int(r.split("-")[1]) % CLINICS == 0]),
                                  ("all-clinics", refs)):
                t1 = time.monotonic()
                times = run_clients(srv.url, user, visible, args.clients, max(4, args.requests // args.clients),
                                    seed=len(user))
                total = sum(len(v) for v in times.values())
                wall = time.monotonic() - t1
                print(f"user {user} ({len(visible)} patients), {args.clients} concurrent clients, "
                      f"{args.workers} workers x {args.threads} threads: {total} requests in {wall:.1f} s "
                      f"({total / wall:.0f} req/s)")
                ref95 = pct(times[REFERENCE], 95)
                for kind, v in times.items():
                    print(f"  {kind:15s} n={len(v):4d}  p50 {statistics.median(v):6.1f} ms  p95 {pct(v, 95):6.1f} ms  "
                          f"max {max(v):6.1f} ms  p95/reference {pct(v, 95) / ref95:4.1f}  "
                          f"{'OK' if pct(v, 95) < 200 else 'ABOVE 200 ms'}")
        print("patient page plan:", "; ".join(s.strip() for s in explain(url, refs[0])))
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
