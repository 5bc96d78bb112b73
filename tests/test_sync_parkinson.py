"""Schema version 2 over a real Mosquitto (issue 17 item 5): a receiver that knows only version 1
dead-letters a version-2 summary cleanly and keeps going; the current receiver stores both; and
version-2 sessions keep the store-and-forward guarantees (never lost, never duplicated)."""
from __future__ import annotations

import json
import random
import sqlite3
import time
from pathlib import Path

import pytest

from clinic.receiver import Receiver
from clinic.store.sqlite import SqliteClinicStore
from kiosk.demo.broker import MosquittoProcess
from kiosk.demo.samples import sample_pd_summary as pd_summary, sample_summary
from sync.outbox import enqueue
import test_sync_flow as flow
from test_sync_flow import DEVICE, FAST, Listener, Rig, wait_for
from wire.transport import MqttTransport

pytestmark = pytest.mark.broker


mosquitto = flow.broker     # the real broker of the sync tests (persistence on), on a free port


@pytest.fixture
def v2rig(mosquitto: MosquittoProcess, tmp_path: Path):  # type: ignore[no-untyped-def]
    """test_sync_flow's receiver + publisher rig on a kiosk database made by the store's migrations."""
    from kiosk.store.repositories import Store

    Store.open(tmp_path / "state", device_id=DEVICE).close()
    r = Rig(mosquitto, tmp_path / "state" / "kiosk.db", tmp_path / "clinic.db")
    yield r
    r.stop()


def test_a_v1_only_receiver_dead_letters_v2_and_keeps_going(mosquitto: MosquittoProcess, tmp_path: Path) -> None:
    """The receiver as deployed before version 2 (its parser accepts {1}): the v2 message is dead-lettered
    with ``unknown_schema_version: 2`` and acked (the kiosk's row is done, nothing stored), and the
    palsy session behind it is stored."""
    store = SqliteClinicStore(tmp_path / "old-clinic.db")
    t = MqttTransport("rx-old", mosquitto.host, mosquitto.port, manual_ack=True, **FAST)
    rx = Receiver(store, t, schema_versions=frozenset({1}))
    t.connect()
    assert t.wait_subscribed(10)
    acks = Listener(mosquitto, f"clinic/{DEVICE}/ack/+")
    rng = random.Random(17)
    v2, v1 = pd_summary(rng, device_id=DEVICE), sample_summary(rng, device_id=DEVICE)
    assert (v2.schema_version, v1.schema_version) == (2, 1)
    for s in (v2, v1):
        acks.publish(f"clinic/{DEVICE}/sessions/{s.session_id}", s.model_dump_json())
    wait_for(lambda: len(acks.messages) >= 2, 10, "two acks")
    got = {t.rsplit("/", 1)[1]: json.loads(p) for t, p, _ in acks.messages}
    assert got[v2.session_id] == {"session_id": v2.session_id, "outcome": "dead_lettered",
                                  "reason": "unknown_schema_version: 2"}
    assert got[v1.session_id]["outcome"] == "stored"
    assert store.session_ids() == [v1.session_id]
    dead = store.dead_letters()
    assert [(d["topic"], d["reason"]) for d in dead] == [(f"clinic/{DEVICE}/sessions/{v2.session_id}",
                                                         "unknown_schema_version: 2")]
    assert dead[0]["payload_bytes"] == len(v2.model_dump_json().encode())      # kept whole for a later replay
    assert (rx.stats.stored, rx.stats.dead_lettered) == (1, 1)
    acks.close()
    t.stop()
    # nothing is redelivered: the broker had the PUBACK of both (a second receiver session sees no backlog)
    t2 = MqttTransport("rx-old", mosquitto.host, mosquitto.port, manual_ack=True, **FAST)
    rx2 = Receiver(store, t2, schema_versions=frozenset({1}))
    t2.connect()
    assert t2.wait_subscribed(10)
    time.sleep(1.0)
    assert (rx2.stats.stored, rx2.stats.duplicate, rx2.stats.dead_lettered) == (0, 0, 0)
    t2.stop()
    store.close()


def test_v2_sessions_through_a_broker_crash_are_stored_exactly_once(v2rig: Rig, mosquitto: MosquittoProcess) -> None:
    """Palsy (v1) and Parkinson's (v2) sessions mixed in the outbox; the broker is SIGKILLed mid-backlog:
    every session arrives once, with its Parkinson's measure rows once."""
    rng = random.Random(23)
    conn = sqlite3.connect(v2rig.device_db)
    summaries = [pd_summary(rng, device_id=DEVICE, patient_ref=f"PD-{i % 5}") if i % 2 else sample_summary(rng, device_id=DEVICE)
                 for i in range(200)]
    with conn:
        for s in summaries:
            enqueue(conn, s)
    conn.close()
    ids = [s.session_id for s in summaries]
    v2rig.start_receiver()
    v2rig.start_publisher()
    wait_for(lambda: v2rig.outbox.counts().acked >= 40, 20, "40 acked before the crash")
    mosquitto.kill()
    assert v2rig.outbox.counts().acked < 200
    time.sleep(0.5)
    mosquitto.start()
    v2rig.wait_drained(40)
    v2rig.assert_exactly_once(ids)
    clinic = SqliteClinicStore(v2rig.clinic_db)
    v2 = [s for s in summaries if s.schema_version == 2]
    per = {s.session_id: len(s.parkinson.measures) + 2 * len(s.parkinson.tremor) for s in v2}
    counted = dict(clinic._conn.execute("SELECT session_id, COUNT(*) FROM parkinson_measures GROUP BY session_id"))
    assert counted == per                                    # no measure row lost or doubled
    protocols = dict(clinic._conn.execute("SELECT session_id, protocol FROM session_summaries"))
    assert sum(p == "parkinson" for p in protocols.values()) == len(v2) == 100
    for s in v2[:5]:
        assert clinic.summary_payload(s.session_id, DEVICE) == s.model_dump_json()
    clinic.close()
