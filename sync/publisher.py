"""Outbox publisher: the ``kiosk-sync`` daemon (docs/wire-format.md#publisher).

Publishes unacked outbox rows in id order on ``clinic/<device_id>/sessions/<session_id>``
(QoS 1) with at most ``inflight_window`` rows awaiting the receiver's ack. A row is
done only when the ack on ``clinic/<device_id>/ack/<session_id>`` arrives (a PUBACK
only means the broker has it). A row with no ack within ``ack_timeout_s`` is published
again, and so is every in-flight row after a reconnect; the receiver's idempotent
insert turns these repeats into "duplicate" acks, so delivery is exactly once.
State lives in the outbox table, so a restart resumes where the last run stopped.
"""
from __future__ import annotations

import argparse
import json
import logging
import queue
import signal
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from sync.outbox import Outbox
from wire.topics import ack_topic, status_topic
from wire.transport import MqttTransport, Transport, Will

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublisherSettings:
    device_id: str
    topic_root: str = "clinic"
    inflight_window: int = 20
    ack_timeout_s: float = 30.0
    poll_s: float = 0.5


@dataclass
class PublisherStats:
    published: int = 0
    republished: int = 0
    acked: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


class Ack(NamedTuple):
    """The receiver's verdict on one summary (docs/wire-format.md#ack)."""

    session_id: str
    outcome: str                  # stored | duplicate | dead_lettered: the row is done in every case
    reason: str | None = None     # why it was dead-lettered (kept in the clinic's dead-letter table)


def parse_ack(payload: bytes) -> Ack | None:
    """The ack in a payload, or None when it is not an ack."""
    try:
        data = json.loads(payload)
        reason = data.get("reason")
        return Ack(str(data["session_id"]), str(data["outcome"]), None if reason is None else str(reason)[:500])
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


class Publisher:
    """Drains the outbox through a :class:`Transport`; call :meth:`step` in a loop or :meth:`run`."""

    def __init__(self, outbox: Outbox, transport: Transport, settings: PublisherSettings) -> None:
        self.outbox, self.transport, self.s = outbox, transport, settings
        self.stats = PublisherStats()
        self._inflight: dict[str, float] = {}      # session_id -> monotonic time of last publish
        self._cursor = 0                           # highest outbox id published in this run
        self._acks: queue.Queue[Ack] = queue.Queue()
        self._reconnected = threading.Event()
        self._wake = threading.Event()
        transport.on_message = self._on_message
        transport.on_connect = self._on_connect
        transport.subscribe(ack_topic(settings.topic_root, settings.device_id, "+"), qos=1)

    # -- callbacks (network thread): only hand over to the main loop ----------
    def _on_message(self, msg) -> bool:  # type: ignore[no-untyped-def]
        ack = parse_ack(msg.payload)
        if ack is None:
            log.warning("ignoring malformed ack on %s", msg.topic)
        else:
            self._acks.put(ack)
            self._wake.set()
        return True

    def _on_connect(self, session_present: bool) -> None:
        self.transport.publish(status_topic(self.s.topic_root, self.s.device_id), "online", qos=1, retain=True)
        self._reconnected.set()
        self._wake.set()

    # -- main loop -----------------------------------------------------------
    def step(self) -> None:
        """Apply arrived acks, republish timed-out rows, fill the in-flight window."""
        self._apply_acks()
        if not self.transport.connected:
            return
        now = time.monotonic()
        if self._reconnected.is_set():
            self._reconnected.clear()
            due = list(self._inflight)   # the broker may have lost them: send again at once
        else:
            due = [sid for sid, t in self._inflight.items() if now - t >= self.s.ack_timeout_s]
        if due:
            self._send(due, now, repeat=True)
        free = self.s.inflight_window - len(self._inflight)
        if free > 0:
            # New rows always get higher ids (AUTOINCREMENT) and an unacked row below the cursor is
            # always in flight, so read on from the last id sent instead of rescanning acked rows.
            rows = self.outbox.pending(free, exclude=self._inflight, after_id=self._cursor)
            sent = self._send([r.session_id for r in rows], now, repeat=False, rows={r.session_id: r for r in rows})
            if sent:
                self._cursor = max(r.id for r in rows if r.session_id in sent)

    def _send(self, session_ids: list[str], now: float, *, repeat: bool, rows: dict | None = None) -> set[str]:
        """Publish the given rows while the transport takes them; return the session ids sent."""
        if repeat:
            rows = {r.session_id: r for r in self.outbox.rows(session_ids)}
            for sid in [s for s in session_ids if s not in rows]:
                self._inflight.pop(sid, None)     # acked meanwhile
        sent: list[str] = []
        for sid in session_ids:
            row = (rows or {}).get(sid)
            if row is None:
                continue
            if not self.transport.publish(row.topic, row.payload, qos=1):
                break
            self._inflight[sid] = now
            sent.append(sid)
        if sent:
            self.outbox.mark_sent(sent)
            if repeat:
                self.stats.republished += len(sent)
            else:
                self.stats.published += len(sent)
        return set(sent)

    def _apply_acks(self) -> None:
        acks: dict[str, str] = {}
        reasons: dict[str, str | None] = {}
        while True:
            try:
                ack = self._acks.get_nowait()
            except queue.Empty:
                break
            acks[ack.session_id] = ack.outcome
            reasons[ack.session_id] = ack.reason
        if not acks:
            return
        try:
            changed = self.outbox.mark_acked(acks)
        except sqlite3.Error as e:   # e.g. disk full: keep the rows in flight; a repeat brings the ack again
            log.error("cannot record %d acks in the outbox (%s); will retry", len(acks), e)
            return
        self.stats.acked += changed
        for sid, outcome in acks.items():
            self._inflight.pop(sid, None)
            self.stats.outcomes[outcome] = self.stats.outcomes.get(outcome, 0) + 1
            if outcome == "dead_lettered":
                log.error("clinic dead-lettered session %s (%s): kept in its dead-letter table for review; "
                          "the outbox row is done", sid, reasons.get(sid) or "no reason given")

    def wait(self, timeout_s: float) -> None:
        """Sleep until an ack or a reconnect arrives, at most ``timeout_s``."""
        self._wake.wait(timeout_s)
        self._wake.clear()

    def run(self, stop: threading.Event, *, exit_when_drained: bool = False) -> None:
        """Loop until ``stop`` is set (or, with ``exit_when_drained``, until nothing is pending)."""
        while not stop.is_set():
            try:
                self.step()
            except sqlite3.Error as e:   # device DB locked or full: nothing is lost, try again shortly
                log.error("outbox unavailable (%s); retrying", e)
                stop.wait(1.0)
                continue
            if exit_when_drained and not self._inflight and self.outbox.counts().pending == 0:
                return
            self.wait(min(self.s.poll_s, self.s.ack_timeout_s / 4))

    def shutdown(self) -> None:
        """Publish the retained "offline" status and disconnect (a crash leaves it to the last will)."""
        self.transport.stop(final=(status_topic(self.s.topic_root, self.s.device_id), "offline"))

    @property
    def inflight(self) -> int:
        return len(self._inflight)


def make_transport(config, *, client_id: str | None = None, seed: int | None = None,  # type: ignore[no-untyped-def]
                   backoff_base_s: float | None = None) -> MqttTransport:
    """The device's MQTT transport from ``config.sync`` (TLS, credentials, status last will)."""
    sc, dev = config.sync, config.device.device_id
    return MqttTransport(
        client_id or f"kiosk-{dev}", sc.host, sc.port, session_expiry_s=sc.session_expiry_s,
        will=Will(status_topic(sc.topic_root, dev), "offline"), username=sc.username, password=sc.password,
        tls=sc.tls_options(), seed=seed, backoff_base_s=backoff_base_s if backoff_base_s is not None else sc.reconnect_min_s,
        backoff_cap_s=sc.reconnect_max_s)


def settings_from(config) -> PublisherSettings:  # type: ignore[no-untyped-def]
    sc = config.sync
    return PublisherSettings(device_id=config.device.device_id, topic_root=sc.topic_root,
                             inflight_window=sc.inflight_window, ack_timeout_s=sc.ack_timeout_s)


def device_db_path(config) -> Path:  # type: ignore[no-untyped-def]
    """The kiosk database (the store's file in the state directory)."""
    from kiosk.store.db import DB_NAME

    return Path(config.device.state_dir) / DB_NAME


def main(argv: list[str] | None = None) -> int:
    """``kiosk-sync``: publish the outbox until SIGTERM/SIGINT (or until drained with --once)."""
    from kiosk.config import ConfigError, load_config

    p = argparse.ArgumentParser(prog="kiosk-sync", description=__doc__.splitlines()[0])
    p.add_argument("--config", help="kiosk.toml (default: $KIOSK_CONFIG or device_config/kiosk.toml)")
    p.add_argument("--db", type=Path, help="device database (default: <state_dir>/kiosk.db)")
    p.add_argument("--once", action="store_true", help="exit when every outbox row is acked")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s kiosk-sync %(levelname)s %(message)s")
    try:
        config = load_config(args.config)
    except ConfigError as e:
        print(f"kiosk-sync: {e}", file=sys.stderr)
        return 3
    if not config.sync.enabled:
        print("kiosk-sync: sync is disabled in the config ([sync] enabled = false)", file=sys.stderr)
        return 0
    db = args.db or device_db_path(config)
    try:
        outbox = Outbox(db)
    except Exception as e:  # sqlite3 errors: missing file, no outbox table
        print(f"kiosk-sync: cannot open the outbox in {db}: {e}", file=sys.stderr)
        return 4
    transport = make_transport(config)
    pub = Publisher(outbox, transport, settings_from(config))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    transport.connect()
    try:
        pub.run(stop, exit_when_drained=args.once)
    finally:
        pub.shutdown()
        outbox.close()
    st = pub.stats
    log.info("published %d, republished %d, acked %d", st.published, st.republished, st.acked)
    return 0


if __name__ == "__main__":
    sys.exit(main())
