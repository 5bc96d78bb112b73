"""End-to-end sync against a real Mosquitto (persistence on) started by the fixture.

Exactly-once is checked by comparing the set of session ids in the device outbox with
the rows in the clinic database: same ids, same count, every outbox row acked.
"""
from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from kiosk.demo.broker import MosquittoProcess
from clinic.store.sqlite import SqliteClinicStore
from sync.outbox import Outbox
from sync.publisher import Publisher, PublisherSettings
from clinic.receiver import Receiver
from kiosk.demo.samples import queue_samples, sample_summary
from wire.transport import MqttTransport, Will

pytestmark = pytest.mark.broker
ROOT = Path(__file__).resolve().parent.parent
DEVICE = "kiosk-t"
FAST = dict(backoff_base_s=0.05, backoff_cap_s=0.4, session_expiry_s=600)


def wait_for(cond, timeout_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


@pytest.fixture
def broker(tmp_path: Path):  # type: ignore[no-untyped-def]
    b = MosquittoProcess(workdir=tmp_path / "broker")
    b.start()
    yield b
    b.stop()


@pytest.fixture
def device_db(tmp_path: Path) -> Path:
    """The kiosk database made by the store's own migrations."""
    from kiosk.store.repositories import Store

    Store.open(tmp_path / "state", device_id=DEVICE).close()
    return tmp_path / "state" / "kiosk.db"


def queue(device_db: Path, n: int, seed: int = 0) -> list[str]:
    return queue_samples(device_db, n, device_id=DEVICE, seed=seed)


class Rig:
    """A receiver and a publisher, each on its own MQTT client, in this process."""

    def __init__(self, broker: MosquittoProcess, device_db: Path, clinic_db: Path, *, ack_timeout_s: float = 1.5,
                 window: int = 20) -> None:
        self.broker, self.device_db, self.clinic_db = broker, device_db, clinic_db
        self.ack_timeout_s, self.window = ack_timeout_s, window
        self.rx_t: MqttTransport | None = None
        self.tx_t: MqttTransport | None = None
        self.stop_pub = threading.Event()
        self.pub_thread: threading.Thread | None = None

    def start_receiver(self, client_id: str = "rx", wait: bool = True) -> Receiver:
        self.store = SqliteClinicStore(self.clinic_db)
        self.rx_t = MqttTransport(client_id, self.broker.host, self.broker.port, manual_ack=True, **FAST)
        self.receiver = Receiver(self.store, self.rx_t)
        self.rx_t.connect()
        if wait:
            assert self.rx_t.wait_subscribed(10), "receiver did not subscribe"
        return self.receiver

    def start_publisher(self) -> Publisher:
        self.outbox = Outbox(self.device_db)
        self.tx_t = MqttTransport(f"kiosk-{DEVICE}", self.broker.host, self.broker.port,
                                  will=Will(f"clinic/{DEVICE}/status", "offline"), **FAST)
        self.pub = Publisher(self.outbox, self.tx_t, PublisherSettings(
            device_id=DEVICE, inflight_window=self.window, ack_timeout_s=self.ack_timeout_s, poll_s=0.05))
        self.tx_t.connect()
        self.pub_thread = threading.Thread(target=self.pub.run, args=(self.stop_pub,), daemon=True)
        self.pub_thread.start()
        return self.pub

    def wait_drained(self, timeout_s: float) -> None:
        wait_for(lambda: self.outbox.counts().pending == 0, timeout_s, "outbox drained")

    def stop(self) -> None:
        self.stop_pub.set()
        if self.pub_thread:
            self.pub_thread.join(10)
        if self.tx_t:
            self.pub.shutdown()
        if self.rx_t:
            self.rx_t.stop()

    def assert_exactly_once(self, ids: list[str]) -> None:
        clinic = SqliteClinicStore(self.clinic_db)
        got = clinic.session_ids()
        clinic.close()
        assert len(got) == len(set(got)) == len(ids), (len(got), len(ids))
        assert set(got) == set(ids)
        ob = Outbox(self.device_db)
        c = ob.counts()
        ob.close()
        assert (c.pending, c.acked) == (0, len(ids))


@pytest.fixture
def rig(broker: MosquittoProcess, device_db: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    r = Rig(broker, device_db, tmp_path / "clinic.db")
    yield r
    r.stop()


class Listener:
    """A plain paho client recording what arrives on a topic filter."""

    def __init__(self, broker: MosquittoProcess, topic: str) -> None:
        self.messages: list[tuple[str, bytes, bool]] = []
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"listen-{uuid.uuid4().hex[:6]}",
                             protocol=mqtt.MQTTv5)
        self.c.on_message = lambda c, u, m: self.messages.append((m.topic, bytes(m.payload), bool(m.retain)))
        subscribed = threading.Event()
        self.c.on_subscribe = lambda *a: subscribed.set()
        self.c.connect(broker.host, broker.port)
        self.c.subscribe(topic, qos=1)
        self.c.loop_start()
        assert subscribed.wait(5)

    def publish(self, topic: str, payload: bytes | str) -> None:
        self.c.publish(topic, payload, qos=1).wait_for_publish(5)

    def close(self) -> None:
        self.c.loop_stop()
        self.c.disconnect()


def test_normal_flow_with_status_and_acks(rig: Rig, broker: MosquittoProcess) -> None:
    ids = queue(rig.device_db, 30)
    acks = Listener(broker, f"clinic/{DEVICE}/#")
    rig.start_receiver()
    rig.start_publisher()
    rig.wait_drained(20)
    rig.assert_exactly_once(ids)
    wait_for(lambda: sum("/ack/" in t for t, _, _ in acks.messages) >= 30, 5, "30 acks seen")
    outcomes = [json.loads(p) for t, p, _ in acks.messages if "/ack/" in t]
    assert {o["session_id"] for o in outcomes if o["outcome"] == "stored"} == set(ids)
    assert {o["outcome"] for o in outcomes} <= {"stored", "duplicate"}    # a slow ack may cause a repeat
    assert rig.receiver.stats.stored == 30 and rig.receiver.stats.dead_lettered == 0
    assert (f"clinic/{DEVICE}/status", b"online", False) in acks.messages
    # every row was published at least once and acked once
    ob = Outbox(rig.device_db)
    assert all(r[0] >= 1 and r[1] is not None for r in ob._conn.execute("SELECT attempts, acked_at FROM outbox"))
    ob.close()
    rig.stop()
    acks.close()
    late = Listener(broker, f"clinic/{DEVICE}/status")     # retained status after a clean stop
    wait_for(lambda: late.messages, 5, "retained status")
    assert late.messages[0] == (f"clinic/{DEVICE}/status", b"offline", True)
    late.close()


def test_broker_down_while_sessions_are_recorded(rig: Rig, broker: MosquittoProcess) -> None:
    rig.start_receiver()
    time.sleep(1.2)                      # receiver's session and subscription autosaved
    broker.stop()
    rig.start_publisher()
    ids = queue(rig.device_db, 40, seed=1)   # sessions recorded while the broker is down
    time.sleep(0.8)
    assert not rig.tx_t.connected and rig.outbox.counts().pending == 40
    broker.start()
    rig.wait_drained(30)
    rig.assert_exactly_once(ids)


def test_broker_killed_and_restarted_mid_backlog(rig: Rig, broker: MosquittoProcess) -> None:
    ids = queue(rig.device_db, 400, seed=2)
    rig.start_receiver()
    rig.start_publisher()
    wait_for(lambda: rig.outbox.counts().acked >= 100, 20, "100 acked before the crash")
    broker.kill()                                    # SIGKILL: no final save
    acked_at_crash = rig.outbox.counts().acked
    assert acked_at_crash < 400
    time.sleep(0.5)
    broker.start()
    rig.wait_drained(40)
    rig.assert_exactly_once(ids)
    assert rig.pub.stats.republished >= 1            # in-flight rows were sent again after the crash


CRASHING_RECEIVER = textwrap.dedent("""
    import os, sys, time
    from clinic.store.sqlite import SqliteClinicStore
    from clinic.receiver import Receiver
    from wire.transport import MqttTransport
    t = MqttTransport("rx", "127.0.0.1", int(sys.argv[1]), manual_ack=True, session_expiry_s=600)
    Receiver(SqliteClinicStore(sys.argv[2]), t, after_insert=lambda sid: os._exit(17))
    t.connect()
    assert t.wait_subscribed(10)
    print("subscribed", flush=True)
    time.sleep(60)
""")


def test_receiver_killed_after_insert_before_ack(rig: Rig, broker: MosquittoProcess) -> None:
    proc = subprocess.Popen([sys.executable, "-c", CRASHING_RECEIVER, str(broker.port), str(rig.clinic_db)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "subscribed"
        ids = queue(rig.device_db, 5, seed=3)
        rig.start_publisher()
        assert proc.wait(20) == 17                   # died right after its first commit
    finally:
        proc.kill()
        proc.wait()
    clinic = SqliteClinicStore(rig.clinic_db)
    first = clinic.session_ids()
    clinic.close()
    assert first == [ids[0]]                         # committed, but never acked
    assert rig.outbox.counts().acked == 0
    rig.start_receiver(client_id="rx")               # same persistent session: the broker redelivers
    rig.wait_drained(20)
    rig.assert_exactly_once(ids)
    assert rig.receiver.stats.duplicate >= 1         # the redelivered first summary was recognised


def test_duplicate_delivery_is_stored_once(rig: Rig, broker: MosquittoProcess) -> None:
    rig.start_receiver()
    s = sample_summary(random.Random(4), device_id=DEVICE)
    raw = Listener(broker, f"clinic/{DEVICE}/ack/+")
    topic = f"clinic/{DEVICE}/sessions/{s.session_id}"
    for _ in range(3):
        raw.publish(topic, s.model_dump_json())
    wait_for(lambda: len(raw.messages) >= 3, 10, "three acks")
    assert [json.loads(p)["outcome"] for _, p, _ in raw.messages] == ["stored", "duplicate", "duplicate"]
    assert rig.store.count_summaries() == 1
    raw.close()


def test_bad_messages_are_dead_lettered_and_receiver_keeps_running(rig: Rig, broker: MosquittoProcess) -> None:
    rig.start_receiver()
    raw = Listener(broker, f"clinic/{DEVICE}/ack/+")
    rng = random.Random(6)
    good = sample_summary(rng, device_id=DEVICE)
    v3 = json.loads(sample_summary(rng, device_id=DEVICE).model_dump_json()) | {"schema_version": 3}
    big = json.loads(sample_summary(rng, device_id=DEVICE).model_dump_json())
    big["missing_steps"] = {"note": "x" * 300_000}
    other = sample_summary(rng, device_id="kiosk-other")
    cases = [("s-json", b'{"schema_version": 1, "session_id": '), ("s-v3", json.dumps(v3)),
             ("s-big", json.dumps(big)), ("s-mismatch", other.model_dump_json())]
    for sid, payload in cases:
        raw.publish(f"clinic/{DEVICE}/sessions/{sid}", payload)
    raw.publish(f"clinic/{DEVICE}/sessions/{good.session_id}", good.model_dump_json())
    wait_for(lambda: len(raw.messages) >= 5, 10, "five acks")
    outcomes = {t.rsplit("/", 1)[1]: json.loads(p) for t, p, _ in raw.messages}
    assert outcomes[good.session_id]["outcome"] == "stored"   # still running after four bad ones
    reasons = {sid: outcomes[sid]["reason"] for sid, _ in cases}
    assert all(outcomes[sid]["outcome"] == "dead_lettered" for sid, _ in cases)
    assert reasons["s-json"].startswith("malformed_json")
    assert reasons["s-v3"] == "unknown_schema_version: 3"
    assert reasons["s-big"].startswith("oversize: ")
    assert reasons["s-mismatch"].startswith("topic_mismatch")
    dead = rig.store.dead_letters()
    assert [d["reason"] for d in dead] == [reasons[sid] for sid, _ in cases]
    assert dead[2]["payload_bytes"] > 300_000
    assert rig.store.session_ids() == [good.session_id]
    raw.close()


class FlakyStore(SqliteClinicStore):
    """A real SQLite store whose first writes fail as on a full disk."""

    failures = 3

    def insert_summary(self, summary, payload):  # type: ignore[no-untyped-def]
        if self.failures > 0:
            self.failures -= 1
            raise sqlite3.OperationalError("database or disk is full")
        return super().insert_summary(summary, payload)


def test_clinic_disk_full_is_not_acked_and_recovers(rig: Rig, broker: MosquittoProcess) -> None:
    """A database outage holds messages back however often it repeats: more failures than
    max_attempts (3), and still nothing is dead-lettered."""
    ids = queue(rig.device_db, 10, seed=7)
    store = FlakyStore(rig.clinic_db)
    store.failures = 5
    rig.rx_t = MqttTransport("rx", broker.host, broker.port, manual_ack=True, **FAST)
    receiver = Receiver(store, rig.rx_t)
    rig.rx_t.connect()
    assert rig.rx_t.wait_subscribed(10)
    rig.start_publisher()
    rig.wait_drained(30)
    assert receiver.stats.storage_errors == 5 and store.count_dead_letters() == 0
    rig.assert_exactly_once(ids)


@pytest.mark.slow
def test_thousand_queued_summaries_drain_exactly_once(rig: Rig) -> None:
    ids = queue(rig.device_db, 1000, seed=8)
    rig.start_receiver()
    t0 = time.monotonic()
    rig.start_publisher()
    rig.wait_drained(90)
    elapsed = time.monotonic() - t0
    rig.assert_exactly_once(ids)
    print(f"1000 summaries in {elapsed:.2f} s ({1000 / elapsed:.0f} msg/s)")


def test_two_receivers_share_the_load(rig: Rig, broker: MosquittoProcess) -> None:
    ids = queue(rig.device_db, 100, seed=9)
    receivers = []
    for name in ("rx-1", "rx-2"):
        t = MqttTransport(name, broker.host, broker.port, manual_ack=True, **FAST)
        receivers.append((Receiver(SqliteClinicStore(rig.clinic_db), t, group="clinic"), t))
        t.connect()
        assert t.wait_subscribed(10)
    try:
        rig.start_publisher()
        rig.wait_drained(30)
    finally:
        for _, t in receivers:
            t.stop()
    rig.assert_exactly_once(ids)
    stored = [r.stats.stored for r, _ in receivers]
    assert sum(stored) == 100 and min(stored) > 0, stored    # both took part, none stored twice


# -- hostile and impossible messages (issue 13, items 4, 6, 8) --------------------------------------

def _acks(raw: Listener, n: int) -> dict[str, list[dict]]:
    wait_for(lambda: len(raw.messages) >= n, 10, f"{n} acks")
    out: dict[str, list[dict]] = {}
    for t, p, _ in raw.messages:
        out.setdefault(t.rsplit("/", 1)[1], []).append(json.loads(p))
    return out


def test_deeply_nested_summary_does_not_block_the_receiver(rig: Rig, broker: MosquittoProcess) -> None:
    """The issue's message: a valid summary with a 5000-deep extra field. It used to raise
    RecursionError, count as a storage error, stay unacked and block every later message."""
    rig.start_receiver()
    raw = Listener(broker, f"clinic/{DEVICE}/ack/+")
    rng = random.Random(12)
    deep = json.loads(sample_summary(rng, device_id=DEVICE).model_dump_json())
    deep["facial"]["regions"]["smile"]["extra"] = "DEEP"
    payload = json.dumps(deep).replace('"DEEP"', "[" * 5000 + "]" * 5000)
    after = sample_summary(rng, device_id=DEVICE)
    raw.publish(f"clinic/{DEVICE}/sessions/{deep['session_id']}", payload)
    # bait for a depth scanner that rescans an unterminated string from every quote (quadratic)
    raw.publish(f"clinic/{DEVICE}/sessions/s-bait", b'{"a": "' + b'\\"' * 120_000)
    raw.publish(f"clinic/{DEVICE}/sessions/{after.session_id}", after.model_dump_json())
    acks = _acks(raw, 3)
    assert acks[deep["session_id"]] == [{"session_id": deep["session_id"], "outcome": "dead_lettered",
                                         "reason": "too_deep: nesting 5004 > 32"}]
    assert acks["s-bait"][0]["reason"].startswith("malformed_json: Unterminated string")
    assert acks[after.session_id][0]["outcome"] == "stored"
    assert rig.receiver.stats.storage_errors == 0 and rig.store.session_ids() == [after.session_id]
    assert rig.store.dead_letters()[0]["payload_bytes"] == len(payload)
    raw.close()


def test_impossible_values_are_dead_lettered_with_the_field_named(rig: Rig, broker: MosquittoProcess) -> None:
    rig.start_receiver()
    raw = Listener(broker, f"clinic/{DEVICE}/ack/+")
    rng = random.Random(13)
    cases = {}
    for name, change in [("composite", ("facial", "sunnybrook", "composite", -500)),
                         ("clarity", ("speech", "clarity_score", "81")),
                         ("year", ("started_at", "2999-01-01T00:00:00+00:00"))]:
        d = json.loads(sample_summary(rng, device_id=DEVICE).model_dump_json())
        node = d
        for k in change[:-2]:
            node = node[k]
        node[change[-2]] = change[-1]
        cases[name] = d
    nan = json.loads(sample_summary(rng, device_id=DEVICE).model_dump_json())
    texts = {k: json.dumps(d) for k, d in cases.items()}
    texts["nan"] = json.dumps(nan).replace(f'"msii": {json.dumps(nan["speech"]["msii"])}', '"msii": NaN')
    cases["nan"] = nan
    for k, d in cases.items():
        raw.publish(f"clinic/{DEVICE}/sessions/{d['session_id']}", texts[k])
    acks = _acks(raw, 4)
    reasons = {k: acks[d["session_id"]][0]["reason"] for k, d in cases.items()}
    assert all(acks[d["session_id"]][0]["outcome"] == "dead_lettered" for d in cases.values())
    assert "facial.sunnybrook.composite" in reasons["composite"]
    assert "speech.clarity_score: Input should be a valid number" in reasons["clarity"]
    assert "started_at: Value error, 2999-01-01T00:00:00+00:00 is outside" in reasons["year"]
    assert reasons["nan"] == "malformed_json: NaN is not a JSON number"
    assert rig.store.count_summaries() == 0 and rig.store.count_dead_letters() == 4
    raw.close()


class PoisonStore(SqliteClinicStore):
    """A real SQLite store with a bug that hits one particular summary on every delivery."""

    poison = ""

    def insert_summary(self, summary, payload):  # type: ignore[no-untyped-def]
        if summary.session_id == self.poison:
            raise ValueError("store bug on this summary")
        return super().insert_summary(summary, payload)


def test_a_message_that_keeps_failing_is_dead_lettered_after_n_deliveries(rig: Rig, broker: MosquittoProcess) -> None:
    ids = queue(rig.device_db, 6, seed=14)
    store = PoisonStore(rig.clinic_db)
    store.poison = ids[1]
    rig.rx_t = MqttTransport("rx", broker.host, broker.port, manual_ack=True, **FAST)
    receiver = Receiver(store, rig.rx_t, max_attempts=3)
    rig.rx_t.connect()
    assert rig.rx_t.wait_subscribed(10)
    rig.start_publisher()
    rig.wait_drained(30)
    assert receiver.stats.storage_errors == 2 and receiver.stats.dead_lettered == 1
    assert store.dead_letters()[0]["reason"] == ("store_failed: 3 deliveries failed; last ValueError: "
                                                 "store bug on this summary")
    assert sorted(store.session_ids()) == sorted(ids[:1] + ids[2:])
    ob = Outbox(rig.device_db)
    assert ob.counts().pending == 0                   # the kiosk marks the dead-lettered row done
    ob.close()


def test_session_id_reused_by_another_device_and_conflicting_resend(rig: Rig, broker: MosquittoProcess,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    """Another device's summary with the same session id is stored too (it used to be acked
    "duplicate" and dropped); a changed re-send from the same device is dead-lettered, the stored
    row stays, and the kiosk logs the reason from the ack and marks its row done."""
    import logging

    rig.start_receiver()
    raw = Listener(broker, "clinic/+/ack/+")
    mine = sample_summary(random.Random(15), device_id=DEVICE)
    theirs = json.loads(mine.model_dump_json()) | {"device_id": "kiosk-u", "patient_ref": "P0999"}
    raw.publish(f"clinic/{DEVICE}/sessions/{mine.session_id}", mine.model_dump_json())
    raw.publish(f"clinic/kiosk-u/sessions/{mine.session_id}", json.dumps(theirs))
    wait_for(lambda: len(raw.messages) >= 2, 10, "two acks")
    assert sorted(json.loads(p)["outcome"] for _, p, _ in raw.messages) == ["stored", "stored"]
    assert sorted(rig.store.summary_keys()) == [(DEVICE, mine.session_id), ("kiosk-u", mine.session_id)]
    changed = json.loads(mine.model_dump_json()) | {"patient_ref": "P0666"}
    conn = sqlite3.connect(rig.device_db)
    with conn:
        conn.execute("INSERT INTO outbox (session_id, topic, payload, created_at) VALUES (?, ?, ?, ?)",
                     (mine.session_id, f"clinic/{DEVICE}/sessions/{mine.session_id}", json.dumps(changed),
                      "2026-03-02T10:00:00+00:00"))
    conn.close()
    with caplog.at_level(logging.ERROR, logger="sync.publisher"):
        rig.start_publisher()
        rig.wait_drained(20)
    assert any(f"clinic dead-lettered session {mine.session_id} (conflict: session {mine.session_id} of device "
               f"{DEVICE} is already stored with different content" in r.getMessage() for r in caplog.records)
    assert rig.store.summary_payload(mine.session_id, DEVICE) == mine.model_dump_json()
    raw.publish(f"clinic/{DEVICE}/sessions/{mine.session_id}", mine.model_dump_json())   # identical again
    wait_for(lambda: len(raw.messages) >= 4, 10, "four acks")
    assert [json.loads(p)["outcome"] for _, p, _ in raw.messages[2:]] == ["dead_lettered", "duplicate"]
    assert rig.store.count_summaries() == 2 and rig.receiver.stats.conflicts == 1
    raw.close()
