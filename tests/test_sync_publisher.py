"""Publisher logic (window, ordering, ack timeout, resume, device disk full) on a real outbox file,
through an in-memory transport so every step is deterministic."""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from sync.outbox import Outbox
from sync.publisher import Publisher, PublisherSettings
from kiosk.demo.samples import device_outbox
from wire.transport import Message, Transport

DEVICE = "kiosk-p"


class MemoryTransport(Transport):
    """Records publishes; the test plays the receiver by calling :meth:`ack`."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bool]] = []
        self.subs: list[str] = []
        self.up = True

    def connect(self) -> None:
        self.up = True
        if self.on_connect:
            self.on_connect(False)

    def publish(self, topic, payload, *, qos=1, retain=False):  # type: ignore[no-untyped-def]
        if not self.up:
            return False
        self.sent.append((topic, payload if isinstance(payload, str) else payload.decode(), retain))
        return True

    def subscribe(self, topic: str, qos: int = 1) -> None:
        self.subs.append(topic)

    def stop(self, final=None) -> None:  # type: ignore[no-untyped-def]
        self.up = False

    @property
    def connected(self) -> bool:
        return self.up

    def sessions_sent(self) -> list[str]:
        return [t.rsplit("/", 1)[1] for t, _, _ in self.sent if "/sessions/" in t]

    def ack(self, sid: str, outcome: str = "stored") -> None:
        payload = json.dumps({"session_id": sid, "outcome": outcome}).encode()
        assert self.on_message is not None
        self.on_message(Message(f"clinic/{DEVICE}/ack/{sid}", payload, 1, False, False))


def make_outbox(tmp_path: Path, n: int) -> tuple[Path, list[str]]:
    return tmp_path / "kiosk.db", device_outbox(tmp_path, n, device_id=DEVICE, seed=n)


def test_window_order_and_acks(tmp_path: Path) -> None:
    db, ids = make_outbox(tmp_path, 12)
    t = MemoryTransport()
    pub = Publisher(Outbox(db), t, PublisherSettings(device_id=DEVICE, inflight_window=5, ack_timeout_s=60))
    assert t.subs == [f"clinic/{DEVICE}/ack/+"]
    t.connect()
    pub.step()
    assert t.sent[0] == (f"clinic/{DEVICE}/status", "online", True)
    assert t.sessions_sent() == ids[:5] and pub.inflight == 5          # window full, id order
    pub.step()
    assert t.sessions_sent() == ids[:5]                                # nothing more without acks
    for sid in ids[1:3]:
        t.ack(sid)
    pub.step()
    assert t.sessions_sent() == ids[:7] and pub.inflight == 5
    assert pub.outbox.counts().acked == 2
    t.ack(ids[1], "duplicate")                                         # a late repeat changes nothing
    pub.step()
    assert pub.outbox.counts().acked == 2 and pub.stats.acked == 2


def test_timeout_republishes_and_restart_resumes(tmp_path: Path) -> None:
    db, ids = make_outbox(tmp_path, 6)
    t = MemoryTransport()
    pub = Publisher(Outbox(db), t, PublisherSettings(device_id=DEVICE, inflight_window=3, ack_timeout_s=0.5))
    t.connect()
    pub.step()
    t.ack(ids[0])
    pub.step()
    assert t.sessions_sent() == ids[:4]
    time.sleep(0.6)
    pub.step()                                                          # no ack for 1..3 within 0.5 s
    assert t.sessions_sent()[4:] == ids[1:4] and pub.stats.republished == 3
    attempts = dict(sqlite3.connect(db).execute("SELECT session_id, attempts FROM outbox").fetchall())
    assert [attempts[s] for s in ids] == [1, 2, 2, 2, 0, 0]
    pub.outbox.close()
    # a new process: acked rows are never sent again, the rest resume in order
    t2 = MemoryTransport()
    pub2 = Publisher(Outbox(db), t2, PublisherSettings(device_id=DEVICE, inflight_window=10, ack_timeout_s=60))
    t2.connect()
    pub2.step()
    assert t2.sessions_sent() == ids[1:]


def test_offline_publishes_nothing_and_reconnect_resends_in_flight(tmp_path: Path) -> None:
    db, ids = make_outbox(tmp_path, 4)
    t = MemoryTransport()
    pub = Publisher(Outbox(db), t, PublisherSettings(device_id=DEVICE, inflight_window=2, ack_timeout_s=60))
    t.up = False
    pub.step()
    assert t.sent == []
    t.connect()
    pub.step()
    assert t.sessions_sent() == ids[:2]
    t.up = False
    pub.step()
    t.connect()                                   # the broker may have lost them: send again at once
    pub.step()
    assert t.sessions_sent() == ids[:2] + ids[:2]


class FullDiskOutbox(Outbox):
    """A real outbox whose first ``failures`` ack writes fail as on a full disk."""

    failures = 1

    def mark_acked(self, session_ids, when=None):  # type: ignore[no-untyped-def]
        if self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError("database or disk is full")
        return super().mark_acked(session_ids, when)


def test_device_disk_full_keeps_the_row_until_an_ack_is_recorded(tmp_path: Path) -> None:
    db, ids = make_outbox(tmp_path, 1)
    t = MemoryTransport()
    pub = Publisher(FullDiskOutbox(db), t, PublisherSettings(device_id=DEVICE, inflight_window=2, ack_timeout_s=0.5))
    t.connect()
    pub.step()
    t.ack(ids[0])
    pub.step()                                    # the ack could not be written: still pending, still in flight
    assert pub.outbox.counts().pending == 1 and pub.inflight == 1
    time.sleep(0.6)
    pub.step()                                    # republished; the receiver answers "duplicate"
    assert t.sessions_sent() == ids * 2
    t.ack(ids[0], "duplicate")
    pub.step()
    assert pub.outbox.counts().pending == 0 and pub.inflight == 0


def test_dead_lettered_ack_closes_the_row(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    outcome = "dead_lettered"
    db, ids = make_outbox(tmp_path, 1)
    t = MemoryTransport()
    pub = Publisher(Outbox(db), t, PublisherSettings(device_id=DEVICE))
    t.connect()
    pub.step()
    t.ack(ids[0], outcome)
    pub.step()
    assert pub.outbox.counts().pending == 0 and pub.stats.outcomes == {outcome: 1}
    assert "dead-lettered" in caplog.text
