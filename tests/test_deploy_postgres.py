"""The clinic receiver on a real PostgreSQL 15 (Debian binaries, temp dir, free port):
same answers as the SQLite store, numbered migrations, idempotent inserts, and two
receivers on one MQTT v5 shared subscription storing each summary exactly once."""
from __future__ import annotations

import json
import random
import shutil
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import psycopg
import pytest

from kiosk.demo.broker import MosquittoProcess
from clinic.store import open_clinic_store
from clinic.store.sqlite import SqliteClinicStore
from clinic.store.base import summary_columns
from clinic.store.postgres import LATEST_VERSION, MIGRATIONS, PostgresClinicStore, migrate, schema_version
from clinic.receiver import Receiver
from kiosk.demo.samples import sample_summary
from wire.transport import MqttTransport
from deploy_helpers import PG_BIN, PostgresServer

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason="PostgreSQL 15 server not installed")]


@pytest.fixture(scope="module")
def pg():  # type: ignore[no-untyped-def]
    server = PostgresServer().start()
    yield server
    server.stop()


def test_same_answers_as_sqlite_and_idempotent(pg: PostgresServer, tmp_path: Path) -> None:
    rng = random.Random(5)
    summaries = [sample_summary(rng, device_id=f"kiosk-{i % 3}", patient_ref=f"P{i % 4}") for i in range(24)]
    pgs = open_clinic_store(pg.create_db("parity"))
    assert isinstance(pgs, PostgresClinicStore)
    lite = SqliteClinicStore(tmp_path / "clinic.db")
    for store in (pgs, lite):
        assert [store.insert_summary(s, s.model_dump_json()) for s in summaries] == [True] * 24
        assert [store.insert_summary(s, s.model_dump_json()) for s in summaries[:5]] == [False] * 5
        assert store.count_summaries() == 24
    for ref in ("P0", "P1", "P2", "P3"):
        assert pgs.patient_summaries(ref) == lite.patient_summaries(ref)
        assert len(pgs.patient_summaries(ref)) == 6
    assert pgs.patient_overview() == lite.patient_overview()
    first = summaries[0]
    assert json.loads(pgs.summary_payload(first.session_id) or "") == json.loads(first.model_dump_json())
    pgs.close()
    lite.close()


def test_migrations_are_numbered_and_resume(pg: PostgresServer) -> None:
    url = pg.create_db("migrations")
    with psycopg.connect(url, autocommit=True) as c:              # an old receiver left schema v1 with data
        c.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
                  "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        c.execute(MIGRATIONS[0][2])
        c.execute("INSERT INTO schema_migrations (version, description) VALUES (1, 'v1')")
        c.execute("INSERT INTO dead_letters (topic, payload, payload_bytes, reason) VALUES ('t', 'x', 1, 'old')")
        old = sample_summary(random.Random(8), device_id="kiosk-a")
        cols = summary_columns(old) | {"payload": old.model_dump_json()}
        del cols["protocol"]                                        # a column of migration 5
        c.execute(f"INSERT INTO session_summaries ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
                  list(cols.values()))
        assert schema_version(c) == 1
    store = PostgresClinicStore(url)
    assert store.migrated == [2, 3, 4, 5] and store.count_dead_letters() == 1
    other = old.model_copy(update={"device_id": "kiosk-b"})      # v4: the same session id on another device
    assert store.put_summary(other, other.model_dump_json()) == "stored"
    assert sorted(store.summary_keys()) == [("kiosk-a", old.session_id), ("kiosk-b", old.session_id)]
    store.close()
    again = PostgresClinicStore(url)
    assert again.migrated == [] and [r["devices"] for r in again.patient_overview()] == [2]
    again.close()
    with psycopg.connect(url, autocommit=True) as c:              # a newer receiver migrated past us
        c.execute("INSERT INTO schema_migrations (version, description) VALUES (%s, 'future')", (LATEST_VERSION + 1,))
        with pytest.raises(RuntimeError, match="newer than this receiver"):
            migrate(c)


def test_device_keys_and_conflicts_on_postgres(pg: PostgresServer) -> None:
    """Issue 13 item 6 on PostgreSQL: (device_id, session_id) keys; a changed re-send is a conflict
    and never overwrites; the same content with other bytes is a duplicate."""
    store = PostgresClinicStore(pg.create_db("keys"))
    a = sample_summary(random.Random(4), device_id="kiosk-a")
    b = json.loads(a.model_dump_json()) | {"device_id": "kiosk-b"}
    assert store.put_summary(a, a.model_dump_json()) == "stored"
    assert store.put_summary(a.model_copy(update={"device_id": "kiosk-b"}), json.dumps(b)) == "stored"
    assert store.put_summary(a, json.dumps(json.loads(a.model_dump_json()), indent=1)) == "duplicate"
    changed = a.model_copy(update={"patient_ref": "P0666"})
    assert store.put_summary(changed, changed.model_dump_json()) == "conflict"
    assert store.summary_payload(a.session_id, "kiosk-a") == a.model_dump_json()
    assert store.count_summaries() == 2 and store.patient_summaries("P0666") == []
    store.close()


def test_bad_text_is_stored_not_retried_forever(pg: PostgresServer) -> None:
    """PostgreSQL text cannot hold NUL: a summary with one is stored (NUL -> U+FFFD) instead of
    failing on every redelivery; a binary dead letter is kept byte for byte."""
    store = PostgresClinicStore(pg.create_db("badtext"))
    s = sample_summary(random.Random(3), patient_ref="P\x00X")
    assert store.insert_summary(s, s.model_dump_json()) is True
    assert store.patient_summaries("P\ufffdX")[0]["session_id"] == s.session_id
    store.dead_letter("clinic/k/sessions/x", b"\xff\x00\xfe", "malformed_json: \x00")
    with psycopg.connect(store.url) as c:
        assert c.execute("SELECT payload FROM dead_letters").fetchone()[0] == b"\xff\x00\xfe"
    store.close()


def test_unreachable_database_is_a_clear_error(pg: PostgresServer) -> None:
    with pytest.raises(psycopg.OperationalError):
        PostgresClinicStore(pg.url("no_such_db"), connect_timeout_s=3)


@pytest.mark.broker
@pytest.mark.skipif(shutil.which("mosquitto") is None, reason="mosquitto not installed")
def test_two_receivers_on_a_shared_subscription_store_each_summary_once(pg: PostgresServer) -> None:
    url = pg.create_db("shared")
    n, repeats = 60, 15
    rng = random.Random(21)
    summaries = [sample_summary(rng, device_id="kiosk-a") for _ in range(n)]
    with MosquittoProcess() as broker:
        receivers = []
        for name in ("rx1", "rx2"):
            t = MqttTransport(f"clinic-receiver-{name}", "127.0.0.1", broker.port, manual_ack=True, backoff_base_s=0.1)
            receivers.append((Receiver(PostgresClinicStore(url), t, group="clinic"), t))
            t.connect()
            assert t.wait_subscribed(10)
        acks: list[str] = []
        lock = threading.Lock()
        dev = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="kiosk-a", protocol=mqtt.MQTTv5)

        def on_message(c, u, msg):  # type: ignore[no-untyped-def]
            with lock:
                acks.append(json.loads(msg.payload)["outcome"])
        dev.on_message = on_message
        dev.connect("127.0.0.1", broker.port)
        dev.loop_start()
        dev.subscribe("clinic/kiosk-a/ack/+", qos=1)
        time.sleep(0.2)
        for s in summaries + summaries[:repeats]:       # the kiosk republishes 15 (ack timeout)
            dev.publish(f"clinic/kiosk-a/sessions/{s.session_id}", s.model_dump_json(), qos=1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(acks) < n + repeats:
            time.sleep(0.05)
        dev.loop_stop()
        dev.disconnect()
        for rx, t in receivers:
            t.stop()
    stored = [rx.stats.stored for rx, _ in receivers]
    dup = sum(rx.stats.duplicate for rx, _ in receivers)
    check = PostgresClinicStore(url)
    assert check.count_summaries() == n
    assert sorted(check.session_ids()) == sorted(s.session_id for s in summaries)
    assert sum(stored) == n and dup == repeats
    assert all(k > 0 for k in stored), f"load not shared: {stored}"
    assert sorted(acks) == sorted(["stored"] * n + ["duplicate"] * repeats)
    for rx, _ in receivers:
        rx.store.close()
    check.close()


@pytest.mark.broker
@pytest.mark.skipif(shutil.which("mosquitto") is None, reason="mosquitto not installed")
def test_deployed_stack_end_to_end(pg: PostgresServer, tmp_path: Path) -> None:
    """The deployment as installed: provision_device's bundle kiosk.toml drives the real
    ``kiosk-sync`` daemon, device_config/clinic-receiver.toml the real ``clinic-receiver``
    (PostgreSQL), through Mosquitto on device_config/mosquitto.conf + acl (TLS)."""
    import signal
    import sqlite3
    import subprocess
    import sys

    from sync.outbox import Outbox, enqueue
    from deploy_helpers import ROOT, production_broker_lines, provision

    pki = tmp_path / "pki"
    bundle = pki / "devices/kiosk-e2e"
    provision(pki, "kiosk-e2e", "--broker-host", "127.0.0.1", "--cert-dir", str(bundle))
    url = pg.create_db("e2e")
    rng = random.Random(33)
    summaries = [sample_summary(rng, device_id="kiosk-e2e") for _ in range(12)]
    device_db = tmp_path / "kiosk.db"
    Outbox(device_db, create=True).close()
    with sqlite3.connect(device_db) as conn:
        for s in summaries:
            enqueue(conn, s)
    with MosquittoProcess(workdir=tmp_path / "broker", anonymous=False,
                          extra_config=production_broker_lines(pki)) as broker:
        kiosk_toml = (bundle / "kiosk.toml").read_text()
        kiosk_toml = kiosk_toml.replace("port = 8883", f"port = {broker.port}")
        (bundle / "kiosk.toml").write_text(kiosk_toml + "ack_timeout_s = 3.0\n")   # still [sync]
        rx_toml = (ROOT / "device_config/clinic-receiver.toml").read_text()
        for old, new in (("broker.clinic.local", "127.0.0.1"), ("port = 8883", f"port = {broker.port}"),
                         ("/run/credentials/clinic-receiver.service/ca.crt", str(pki / "ca/ca.crt")),
                         ("/run/credentials/clinic-receiver.service/receiver", str(pki / "receiver/receiver")),
                         ("postgresql://receiver:CHANGE-ME@db.clinic.local/clinic", url)):
            assert old in rx_toml
            rx_toml = rx_toml.replace(old, new)
        (tmp_path / "receiver.toml").write_text(rx_toml)
        rx = subprocess.Popen([sys.executable, "-m", "clinic.receiver", "--config", str(tmp_path / "receiver.toml")],
                              cwd=ROOT, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 20      # the receiver's shared subscription must exist first
            while "u'clinic-receiver'" not in broker.log_tail(20000) and time.monotonic() < deadline:
                time.sleep(0.05)
            tx = subprocess.run([sys.executable, "-m", "sync.publisher", "--config", str(bundle / "kiosk.toml"),
                                 "--db", str(device_db), "--once"], cwd=ROOT, capture_output=True, text=True,
                                timeout=90)
            assert tx.returncode == 0, tx.stderr
        finally:
            rx.send_signal(signal.SIGTERM)
            assert rx.wait(15) == 0, rx.stderr.read()
    store = PostgresClinicStore(url)
    assert sorted(store.session_ids()) == sorted(s.session_id for s in summaries)
    store.close()
    ob = Outbox(device_db)
    assert ob.counts().pending == 0 and ob.counts().acked == 12
    ob.close()


def test_database_restart_loses_nothing_and_reconnects(pg: PostgresServer) -> None:
    """A PostgreSQL restart under a running receiver: stored rows stay, the next insert reconnects;
    while the server is down the insert raises (so the receiver does not ack and the broker redelivers)."""
    import subprocess

    store = PostgresClinicStore(pg.create_db("restart"))
    rng = random.Random(44)
    first, second, third = (sample_summary(rng) for _ in range(3))
    assert store.insert_summary(first, first.model_dump_json())
    pg_ctl = [*pg._as, str(PG_BIN / "pg_ctl"), "-D", str(pg.data), "-m", "fast", "-w"]
    subprocess.run([*pg_ctl, "stop"], check=True, capture_output=True)
    try:
        with pytest.raises(psycopg.OperationalError):
            store.insert_summary(second, second.model_dump_json())
    finally:
        pg.start_existing()
    assert store.insert_summary(second, second.model_dump_json()) is True
    assert store.insert_summary(third, third.model_dump_json()) is True
    assert sorted(store.session_ids()) == sorted(s.session_id for s in (first, second, third))
    store.close()


def test_parkinson_measures_same_on_postgres_and_sqlite(pg: PostgresServer, tmp_path: Path) -> None:
    """Schema v2 summaries: the protocol column and the parkinson_measures rows (trend queries by key)
    are the same on both backends, and a redelivery adds no row."""
    from kiosk.demo.samples import sample_pd_summary as pd_summary
    rng = random.Random(31)
    summaries = [pd_summary(rng, device_id="kiosk-a", patient_ref=f"PD-{i % 2}") for i in range(6)]
    summaries.append(sample_summary(rng, device_id="kiosk-a", patient_ref="PD-0"))
    pgs = PostgresClinicStore(pg.create_db("parkinson"))
    lite = SqliteClinicStore(tmp_path / "clinic.db")
    for store in (pgs, lite):
        assert [store.put_summary(s, s.model_dump_json()) for s in summaries] == ["stored"] * 7
        assert store.put_summary(summaries[0], summaries[0].model_dump_json()) == "duplicate"
    keys = ["speech.f0_sd_st", "tremor.jaw.sit_still.amplitude_mm"]
    for ref in ("PD-0", "PD-1"):
        assert pgs.parkinson_measures(ref) == lite.parkinson_measures(ref)
        trend = pgs.parkinson_measures(ref, keys)
        assert len(trend) == 3 * len(keys)
        mine = sorted((s for s in summaries if s.patient_ref == ref and s.schema_version == 2),
                      key=lambda s: s.started_at)
        assert [r["value"] for r in trend if r["key"] == "speech.f0_sd_st"] == [
            next(m.value for m in s.parkinson.measures if m.key == "speech.f0_sd_st") for s in mine]
    n = sum(len(s.parkinson.measures) + 2 * len(s.parkinson.tremor) for s in summaries if s.schema_version == 2)
    got = pgs._run(lambda c: c.execute("SELECT COUNT(*) AS n FROM parkinson_measures").fetchone())["n"]
    assert got == n
    protocols = pgs._run(lambda c: c.execute(
        "SELECT protocol, COUNT(*) AS n FROM session_summaries GROUP BY protocol ORDER BY protocol").fetchall())
    assert [(r["protocol"], r["n"]) for r in protocols] == [("palsy", 1), ("parkinson", 6)]
    pgs.close()
    lite.close()
