"""Local end-to-end sync: broker, receiver and publisher in one call (``kiosk demo``, tests).

:func:`run_local_sync` starts a :class:`~kiosk.demo.broker.MosquittoProcess` on a free
127.0.0.1 port, a receiver writing ``clinic_db`` and a publisher reading the outbox of
``device_db``, waits until every outbox row is acked (or the timeout), stops
everything and returns the counts.
"""
from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from kiosk.demo.broker import MosquittoProcess
from clinic.store.sqlite import SqliteClinicStore
from sync.outbox import Outbox
from sync.publisher import Publisher, PublisherSettings
from clinic.receiver import Receiver
from wire.topics import status_topic
from wire.transport import MqttTransport, Will


@dataclass(frozen=True)
class SyncResult:
    """What one local sync run did. ``pending`` > 0 means the timeout came first."""

    published: int          # first publishes
    republished: int        # repeats (timeouts, reconnects)
    acked: int              # outbox rows marked done in this run
    pending: int            # outbox rows still waiting for an ack
    stored: int             # new rows in the clinic database
    duplicates: int         # deliveries the receiver had already stored
    dead_lettered: int
    clinic_total: int       # rows in the clinic database after the run
    seconds: float


def run_local_sync(device_db: Path, clinic_db: Path, *, device_id: str | None = None,
                   topic_root: str = "clinic", timeout_s: float = 60.0, ack_timeout_s: float = 5.0,
                   inflight_window: int = 20) -> SyncResult:
    """Drain the outbox of ``device_db`` into ``clinic_db`` through a local Mosquitto.

    ``device_id`` defaults to the one in the first outbox topic. Raises
    :class:`kiosk.demo.broker.BrokerError` when mosquitto is missing or does not start.
    """
    outbox = Outbox(device_db)
    device_id = device_id or _device_from_outbox(outbox) or "kiosk-dev"
    store = SqliteClinicStore(clinic_db)
    try:
        return _run(outbox, store, device_id, topic_root, timeout_s, ack_timeout_s, inflight_window)
    finally:
        outbox.close()
        store.close()


def _run(outbox: Outbox, store: SqliteClinicStore, device_id: str, topic_root: str, timeout_s: float,
         ack_timeout_s: float, inflight_window: int) -> SyncResult:
    t0 = time.monotonic()
    tag = uuid.uuid4().hex[:8]
    with MosquittoProcess() as broker:
        rx_t = MqttTransport(f"loopback-rx-{tag}", broker.host, broker.port, manual_ack=True,
                             session_expiry_s=300, backoff_base_s=0.1, backoff_cap_s=1.0)
        receiver = Receiver(store, rx_t, topic_root=topic_root)
        tx_t = MqttTransport(f"loopback-tx-{tag}", broker.host, broker.port, session_expiry_s=300,
                             will=Will(status_topic(topic_root, device_id), "offline"),
                             backoff_base_s=0.1, backoff_cap_s=1.0)
        pub = Publisher(outbox, tx_t, PublisherSettings(device_id=device_id, topic_root=topic_root,
                                                        inflight_window=inflight_window,
                                                        ack_timeout_s=ack_timeout_s, poll_s=0.05))
        rx_t.connect()
        rx_t.wait_subscribed(10.0)   # the receiver's subscription exists before the first publish
        tx_t.connect()
        stop = threading.Event()
        timer = threading.Timer(timeout_s, stop.set)
        timer.start()
        try:
            pub.run(stop, exit_when_drained=True)
        finally:
            timer.cancel()
            pub.shutdown()
            rx_t.stop()
    counts = outbox.counts()
    return SyncResult(published=pub.stats.published, republished=pub.stats.republished, acked=pub.stats.acked,
                      pending=counts.pending, stored=receiver.stats.stored, duplicates=receiver.stats.duplicate,
                      dead_lettered=receiver.stats.dead_lettered, clinic_total=store.count_summaries(),
                      seconds=round(time.monotonic() - t0, 3))


def _device_from_outbox(outbox: Outbox) -> str | None:
    rows = outbox.pending(1)
    if not rows:
        return None
    parts = rows[0].topic.split("/")
    return parts[1] if len(parts) == 4 else None

