#!/usr/bin/env python3
"""Load test of clinic-web on PostgreSQL: 200 kiosks x 2 years of weekly sessions, concurrent clients.

    .venv/bin/python scripts/load_clinic_web.py [--kiosks 200] [--weeks 104] [--clients 8] [--requests 400]
                                                [--workers 2] [--threads 4] [--url postgresql://...]

Without ``--url`` a throw-away PostgreSQL 15 server is started in a temp dir (as the tests do).
Each kiosk serves one patient at a time for 26 weeks (4 patients per kiosk over 2 years), kiosks are
spread over 20 clinics. Summaries go in through the clinic store's own column mapping; kiosks are
assigned to clinics in ``web_device``. ``clinic-web serve`` then runs with ``--workers`` processes;
``--clients`` threads, each logged in with its own session, request one page kind at a time: the
login form (the reference: Django's request path without our queries, same run, same machine
load), the patient list, a search, random patient pages. Prints p50/p95/max latency, throughput,
the server's CPU time per request (its processes' user + system time: what the request costs,
whatever else the machine runs) and p95 against the reference, for two users: a clinician of one
clinic (10 kiosks) and a member of every clinic (all 200 kiosks); and the patient page's plan.
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
    with psycopg.connect(url, autocommit=True) as conn:
        conn.cursor().executemany(
            "INSERT INTO web_device (device_id, clinic_id, label, assigned_at) VALUES (%s, %s, '', now()) "
            "ON CONFLICT (device_id) DO UPDATE SET clinic_id = EXCLUDED.clinic_id",
            [(f"kiosk-{k:03d}", f"c{k % CLINICS:02d}") for k in range(kiosks)])
        conn.execute("VACUUM ANALYZE")    # the steady state autovacuum keeps (visibility map for index-only scans)


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


def server_cpu_s(pid: int | None) -> float:
    """User + system CPU seconds of a process and its children (gunicorn and its workers, or the
    postmaster and its backends; Linux /proc). 0 without a pid."""
    if pid is None:
        return 0.0
    import os
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for i, p in enumerate(pids):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick      # utime + stime
        if i == 0:                                                # + children that exited (cutime + cstime)
            total += (int(fields[13]) + int(fields[14])) / tick
    return total


def logged_in(base: str, user: str, clients: int) -> list:
    """``clients`` sessions of ``user`` (logged in before a phase: argon2 is not part of a page's cost)."""
    from clinic.web.devtools import Client
    sessions = []
    for _ in range(clients):
        c = Client(base)
        if c.login(user, PASSWORD)[0] != 302:
            raise SystemExit(f"login of {user} failed")
        sessions.append(c)
    return sessions


def run_phase(sessions: list, paths: list[str]) -> tuple[list[float], float]:
    """One thread per logged-in session, sharing ``paths``; (latencies in ms, wall seconds)."""
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    clients = len(sessions)

    def work(i: int) -> None:
        for path in paths[i::clients]:
            t0 = time.perf_counter()
            status, _, _ = sessions[i].get(path)
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                (times.append(dt) if status == 200 else errors.append(f"{path} {status}"))

    t0 = time.monotonic()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    return times, time.monotonic() - t0


def phases(refs: list[str], n: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    return {REFERENCE: ["/login/"] * n,
            "patient list": ["/"] * n,
            "patient search": ["/?q=" + quote(rng.choice(refs)[:6]) for _ in range(n)],
            "patient page": ["/patient/?ref=" + quote(rng.choice(refs)) for _ in range(n)]}


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
    p.add_argument("--requests", type=int, default=200, help="requests per page and user (spread over the clients)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--url", help="existing empty PostgreSQL database (default: a temp server)")
    args = p.parse_args()
    from clinic.web.devtools import WebServer
    server = None
    url = args.url
    pg_pid = None                  # the postmaster, to count PostgreSQL's CPU per request
    if url is None:
        from deploy_helpers import PostgresServer
        server = PostgresServer().start()
        url = server.create_db("clinicload")
        pg_pid = int((server.data / "postmaster.pid").read_text().split()[0])
    try:
        t0 = time.monotonic()
        n, refs = fill(url, args.kiosks, args.weeks)
        setup_users(url, args.kiosks)
        import os
        print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"filled {n} sessions, {len(refs)} patients, {args.kiosks} kiosks in {CLINICS} clinics "
              f"in {time.monotonic() - t0:.0f} s")
        with WebServer(url, workers=args.workers, threads=args.threads) as srv:
            run_phase(logged_in(srv.url, "all-clinics", 2), ["/", "/patient/?ref=" + quote(refs[0])] * 4)   # warm-up
            for user, visible in (("one-clinic", [r for r in refs if int(r.split("-")[1]) % CLINICS == 0]),
                                  ("all-clinics", refs)):
                print(f"user {user} ({len(visible)} patients), {args.clients} concurrent clients, "
                      f"{args.workers} workers x {args.threads} threads, {args.requests} requests per page:")
                ref95 = None
                sessions = logged_in(srv.url, user, args.clients)
                for kind, paths in phases(visible, args.requests, seed=len(user)).items():
                    cpu0, db0 = server_cpu_s(srv.proc.pid), server_cpu_s(pg_pid)
                    v, wall = run_phase(sessions, paths)
                    cpu_ms = (server_cpu_s(srv.proc.pid) - cpu0) / len(v) * 1000
                    db_ms = (server_cpu_s(pg_pid) - db0) / len(v) * 1000
                    ref95 = ref95 or pct(v, 95)
                    print(f"  {kind:15s} p50 {statistics.median(v):6.1f} ms  p95 {pct(v, 95):6.1f} ms  "
                          f"max {max(v):6.1f} ms  {len(v) / wall:5.1f} req/s  CPU/req: web {cpu_ms:5.1f} ms, "
                          f"PostgreSQL {db_ms:5.1f} ms  "
                          f"p95/reference {pct(v, 95) / ref95:4.1f}  {'OK' if pct(v, 95) < 200 else 'ABOVE 200 ms'}")
        print("patient page plan:", "; ".join(s.strip() for s in explain(url, refs[0])))
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
