#!/usr/bin/env python3
"""Sync benchmark: drain a backlog of N session summaries through a local Mosquitto,
with one broker restart (SIGKILL by default) in the middle.

The receiver runs as the real ``clinic-receiver`` process; the publisher runs here so
its counters can be read. Prints sent, stored, lost, duplicated and messages per
second, and, as a reference measured in the same run on the same broker, the rate of
bare QoS 1 publishing without application acks (the ratio shows what exactly-once costs).

    .venv/bin/python scripts/bench_sync.py [-n 10000] [--window 20] [--soft-restart]
"""
from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.demo.broker import MosquittoProcess  # noqa: E402
from clinic.store.sqlite import SqliteClinicStore  # noqa: E402
from sync.outbox import Outbox  # noqa: E402
from sync.publisher import Publisher, PublisherSettings  # noqa: E402
from kiosk.demo.samples import device_outbox  # noqa: E402
from wire.transport import MqttTransport, Will  # noqa: E402

DEVICE = "kiosk-bench"


def queue_backlog(db: Path, n: int) -> list[str]:
    """N summaries in the device outbox (the store's own migrations make the database)."""
    return device_outbox(db.parent, n, device_id=DEVICE, seed=2026)


def bare_qos1_rate(broker: MosquittoProcess, n: int, payload: str, window: int) -> float:
    """Messages/s for plain QoS 1 publish -> subscriber with the same in-flight window (counted at the
    subscriber), without database or application ack: the reference for this run."""
    cond = threading.Condition()
    count = [0]
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="ref-sub", protocol=mqtt.MQTTv5)

    def on_message(c, u, m):  # type: ignore[no-untyped-def]
        with cond:
            count[0] += 1
            cond.notify_all()
    sub.on_message = on_message
    ready = threading.Event()
    sub.on_subscribe = lambda *a: ready.set()
    sub.connect(broker.host, broker.port)
    sub.subscribe("ref/#", qos=1)
    sub.loop_start()
    ready.wait(5)
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="ref-pub", protocol=mqtt.MQTTv5)
    pub.connect(broker.host, broker.port)
    pub.loop_start()
    t0 = time.monotonic()
    for i in range(n):
        with cond:
            cond.wait_for(lambda: i - count[0] < window, timeout=10)
        pub.publish(f"ref/{i}", payload, qos=1)
    with cond:
        cond.wait_for(lambda: count[0] >= n, timeout=30)
    dt = time.monotonic() - t0
    for c in (pub, sub):
        c.loop_stop()
        c.disconnect()
    return count[0] / dt


def run(n: int, window: int, hard: bool, ack_timeout_s: float) -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    db, clinic_db = work / "state" / "kiosk.db", work / "clinic.db"
    print(f"queueing {n} summaries ...", flush=True)
    ids = queue_backlog(db, n)
    with MosquittoProcess(workdir=work / "broker") as broker:
        cfg = work / "receiver.toml"
        cfg.write_text(f'[receiver]\nport = {broker.port}\ndb = "{clinic_db}"\n'
                       "reconnect_min_s = 0.1\nreconnect_max_s = 1.0\n", encoding="utf-8")
        rx = subprocess.Popen([sys.executable, "-m", "clinic.receiver", "--config", str(cfg)], cwd=ROOT)
        time.sleep(1.5)   # receiver connected and subscribed (its subscription autosaved)
        outbox = Outbox(db)
        tx = MqttTransport(f"kiosk-{DEVICE}", broker.host, broker.port, will=Will(f"clinic/{DEVICE}/status", "offline"),
                           backoff_base_s=0.1, backoff_cap_s=1.0, session_expiry_s=3600)
        pub = Publisher(outbox, tx, PublisherSettings(device_id=DEVICE, inflight_window=window,
                                                      ack_timeout_s=ack_timeout_s, poll_s=0.05))
        stop = threading.Event()
        t0 = time.monotonic()
        tx.connect()
        th = threading.Thread(target=pub.run, args=(stop,), kwargs={"exit_when_drained": True})
        th.start()
        while outbox.counts().acked < n // 2 and th.is_alive():
            time.sleep(0.02)
        print(f"restarting the broker ({'SIGKILL' if hard else 'SIGTERM'}) at {outbox.counts().acked} acked",
              flush=True)
        broker.restart(hard=hard)
        th.join(timeout=max(120.0, n / 20))
        elapsed = time.monotonic() - t0
        stop.set()
        th.join()
        pub.shutdown()
        rx.terminate()
        rx.wait(15)
        with sqlite3.connect(db) as conn:
            payload = conn.execute("SELECT payload FROM outbox LIMIT 1").fetchone()[0]
        ref_rate = bare_qos1_rate(broker, min(n, 5000), payload, window)
    c = outbox.counts()
    store = SqliteClinicStore(clinic_db)
    stored_ids = store.session_ids()
    store.close()
    lost = len(set(ids) - set(stored_ids))
    duplicated = len(stored_ids) - len(set(stored_ids)) + len(set(stored_ids) - set(ids))
    sent = pub.stats.published + pub.stats.republished
    rate = n / elapsed
    print(f"summaries            {n}")
    print(f"sent (publishes)     {sent}  (first {pub.stats.published}, repeats {pub.stats.republished})")
    print(f"stored               {len(stored_ids)}")
    print(f"lost                 {lost}")
    print(f"duplicated           {duplicated}  (redeliveries absorbed by the receiver: "
          f"{pub.stats.outcomes.get('duplicate', 0)})")
    print(f"outbox pending       {c.pending}")
    print(f"elapsed              {elapsed:.2f} s")
    print(f"messages per second  {rate:.0f}")
    print(f"reference: bare QoS 1 publish->subscribe, same broker: {ref_rate:.0f} msg/s; "
          f"ratio sync/reference = {rate / ref_rate:.2f}")
    return 0 if lost == 0 and duplicated == 0 and c.pending == 0 else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=10_000, help="summaries to queue (default 10000)")
    p.add_argument("--window", type=int, default=20, help="in-flight window (config default 20)")
    p.add_argument("--ack-timeout", type=float, default=5.0, help="republish after this many s without ack")
    p.add_argument("--soft-restart", action="store_true", help="SIGTERM instead of SIGKILL for the restart")
    a = p.parse_args()
    return run(a.n, a.window, not a.soft_restart, a.ack_timeout)


if __name__ == "__main__":
    sys.exit(main())
