"""Clinic receiver: the ``clinic-receiver`` daemon (docs/wire-format.md#receiver; docs/security.md#receiver).

Subscribes (QoS 1, persistent MQTT v5 session) to ``clinic/+/sessions/+``, or to
``$share/<group>/clinic/+/sessions/+`` so several receivers share the load. For each
message, in this order:

1. check the topic and validate the payload (:func:`wire.schema.parse_summary`: size and
   nesting depth bounded before parsing, strict types and ranges). Anything that fails -
   malformed or non-standard JSON, too deep, oversize, an unknown schema version, an
   impossible value, a topic whose device/session id differs from the payload's - goes to
   the dead-letter table with the reason and is acked: one bad message never blocks others;
2. store it under ``(device_id, session_id)`` and commit. The same content again is a
   ``duplicate``; different content under a stored key is a conflict, dead-lettered (the
   stored row is never overwritten);
3. publish the ack on ``clinic/<device_id>/ack/<session_id>`` (``{"session_id", "outcome":
   stored | duplicate | dead_lettered, "reason"}``), then send the MQTT PUBACK.

A crash after 2 and before 3 only causes a redelivery, which step 2 turns into a
"duplicate" ack: never a second row. When the database is unavailable (the store's
``outage_errors``: server down, disk full, locked) nothing is acked and the connection is
dropped, so the broker delivers the message again later, however often. Any other failure
while storing is counted per message; after ``max_attempts`` deliveries that message is
dead-lettered with the last error as its reason, so a poison message cannot stall the queue.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import signal
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

from clinic.store import ClinicStore, open_clinic_store
from wire.topics import ack_topic
from wire.schema import MAX_PAYLOAD_BYTES, SUPPORTED_VERSIONS, SchemaError, parse_summary
from wire.transport import Message, MqttTransport, Transport

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3                 # deliveries of one message that fail to store before it is dead-lettered
_TRACKED_FAILURES = 10_000       # failing messages remembered (oldest forgotten first)


@dataclass
class ReceiverStats:
    stored: int = 0
    duplicate: int = 0
    dead_lettered: int = 0
    conflicts: int = 0
    storage_errors: int = 0      # deliveries not acked (outage or a failure below max_attempts)
    reasons: list[str] = field(default_factory=list)


def parse_topic(topic: str, topic_root: str) -> tuple[str, str] | None:
    """(device_id, session_id) from ``<root>/<device>/sessions/<session>``, else None."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != topic_root or parts[2] != "sessions" or not parts[1] or not parts[3]:
        return None
    return parts[1], parts[3]


def subscription(topic_root: str, group: str | None) -> str:
    base = f"{topic_root}/+/sessions/+"
    return f"$share/{group}/{base}" if group else base


def _short(e: BaseException, limit: int = 300) -> str:
    return f"{type(e).__name__}: {str(e)[:limit]}"


class Receiver:
    """Validates, stores and acks session summaries arriving through a :class:`Transport`.

    ``after_insert(session_id)`` is called after the commit and before the ack (a test
    hook: a crash there must not create a duplicate). ``schema_versions``: the summary versions
    stored; any other is dead-lettered ``unknown_schema_version: V`` (docs/wire-format.md#versioning).
    """

    def __init__(self, store: ClinicStore, transport: Transport, *, topic_root: str = "clinic",
                 group: str | None = None, max_payload_bytes: int = MAX_PAYLOAD_BYTES,
                 max_attempts: int = MAX_ATTEMPTS, after_insert: Callable[[str], None] | None = None,
                 schema_versions: frozenset[int] = SUPPORTED_VERSIONS) -> None:
        self.store, self.transport, self.topic_root = store, transport, topic_root
        self.schema_versions = schema_versions
        self.max_payload_bytes = max_payload_bytes
        self.max_attempts = max_attempts
        self.after_insert = after_insert
        self.stats = ReceiverStats()
        self._failures: OrderedDict[str, int] = OrderedDict()   # message digest -> failed deliveries
        self._lock = threading.Lock()
        transport.on_message = self.handle
        transport.subscribe(subscription(topic_root, group), qos=1)

    def handle(self, msg: Message) -> bool:
        """Process one message; True when it may be PUBACKed (stored, duplicate or dead-lettered)."""
        with self._lock:
            try:
                outcome, ids, reason = self._process(msg)
            except self.store.outage_errors as e:     # database unavailable: hold back, redelivered later
                return self._not_acked(msg, e)
            except Exception as e:                    # anything else: count it against this message
                try:
                    verdict = self._failed(msg, e)
                except self.store.outage_errors as e2:
                    return self._not_acked(msg, e2)
                if verdict is None:
                    return self._not_acked(msg, e)
                outcome, ids, reason = verdict
        if ids is None:
            return True
        body = {"session_id": ids[1], "outcome": outcome, "reason": reason}
        # not connected any more: no PUBACK either, so the broker delivers it again and we ack then
        return self.transport.publish(ack_topic(self.topic_root, ids[0], ids[1]), json.dumps(body), qos=1)

    def _process(self, msg: Message) -> tuple[str, tuple[str, str] | None, str | None]:
        ids = parse_topic(msg.topic, self.topic_root)
        if ids is None:
            return self._dead(msg, "bad_topic", None)
        try:
            summary = parse_summary(msg.payload, max_bytes=self.max_payload_bytes, versions=self.schema_versions)
        except SchemaError as e:
            return self._dead(msg, e.reason, ids)
        except Exception as e:    # parse_summary raises only SchemaError; never let a parser bug block the queue
            return self._dead(msg, f"parser_error: {_short(e)}", ids)
        if (summary.device_id, summary.session_id) != ids:
            return self._dead(msg, f"topic_mismatch: topic {ids[0]}/{ids[1]} vs payload "
                                   f"{summary.device_id}/{summary.session_id}", ids)
        outcome = self.store.put_summary(summary, msg.payload.decode("utf-8"))
        if self.after_insert:
            self.after_insert(summary.session_id)
        self._failures.pop(self._digest(msg), None)
        if outcome == "conflict":
            self.stats.conflicts += 1
            return self._dead(msg, f"conflict: session {summary.session_id} of device {summary.device_id} is "
                                   "already stored with different content (kept; this one not stored)", ids)
        if outcome == "stored":
            self.stats.stored += 1
        else:
            self.stats.duplicate += 1
        return outcome, ids, None

    def _dead(self, msg: Message, reason: str, ids: tuple[str, str] | None) -> tuple[str, tuple[str, str] | None, str]:
        self.store.dead_letter(msg.topic, msg.payload, reason)
        self.stats.dead_lettered += 1
        self.stats.reasons.append(reason)
        log.warning("dead-lettered %s: %s", msg.topic, reason)
        return "dead_lettered", ids, reason

    @staticmethod
    def _digest(msg: Message) -> str:
        return hashlib.sha256(msg.topic.encode("utf-8", "replace") + b"\0" + msg.payload).hexdigest()

    def _failed(self, msg: Message, e: Exception) -> tuple[str, tuple[str, str] | None, str] | None:
        """Count a failed delivery; on the ``max_attempts``-th dead-letter it (None: not yet)."""
        key = self._digest(msg)
        n = self._failures.pop(key, 0) + 1
        if n < self.max_attempts:
            self._failures[key] = n
            while len(self._failures) > _TRACKED_FAILURES:
                self._failures.popitem(last=False)
            return None
        return self._dead(msg, f"store_failed: {n} deliveries failed; last {_short(e)}",
                          parse_topic(msg.topic, self.topic_root))

    def _not_acked(self, msg: Message, e: BaseException) -> bool:
        self.stats.storage_errors += 1
        log.error("clinic database write failed for %s (%s): not acked, will be redelivered", msg.topic, e)
        return False


def main(argv: list[str] | None = None) -> int:
    """``clinic-receiver``: store every session summary exactly once, until SIGTERM/SIGINT."""
    from clinic.config import ClinicConfigError, ReceiverSettings, load_clinic_config

    p = argparse.ArgumentParser(prog="clinic-receiver", description=__doc__.splitlines()[0])
    p.add_argument("--config", help="clinic-receiver.toml (default: $CLINIC_CONFIG or device_config/clinic-receiver.toml)")
    p.add_argument("--db", help="SQLite path or postgresql:// URL (default: [receiver] db)")
    p.add_argument("--host", help="broker host (default: [receiver] host)")
    p.add_argument("--port", type=int, help="broker port (default: [receiver] port)")
    p.add_argument("--group", help="MQTT v5 shared-subscription group (default: [receiver] group)")
    p.add_argument("--client-id", default=None, help="MQTT client id (default: clinic-receiver[-<group>]-<host>)")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s clinic-receiver %(levelname)s %(message)s")
    try:
        rc = load_clinic_config(args.config).receiver
    except ClinicConfigError as e:
        print(f"clinic-receiver: {e}", file=sys.stderr)
        return 3
    group = args.group or rc.group
    if args.group:
        try:
            ReceiverSettings(group=args.group)
        except ValueError:      # pydantic's ValidationError: a guessable or malformed group name
            print("clinic-receiver: --group must be a secret of 16-64 characters A-Z a-z 0-9 _ - "
                  "(a kiosk that can name the group can join it)", file=sys.stderr)
            return 3
    try:
        store = open_clinic_store(args.db or rc.db)
    except Exception as e:
        print(f"clinic-receiver: cannot open the clinic database: {e}", file=sys.stderr)
        return 4
    import socket
    client_id = args.client_id or "-".join(x for x in ("clinic-receiver", group, socket.gethostname()) if x)
    transport = MqttTransport(client_id, args.host or rc.host, args.port or rc.port, manual_ack=True,
                              session_expiry_s=rc.session_expiry_s, username=rc.username, password=rc.password,
                              tls=rc.tls_options(), backoff_base_s=rc.reconnect_min_s, backoff_cap_s=rc.reconnect_max_s)
    Receiver(store, transport, topic_root=rc.topic_root, group=group, max_payload_bytes=rc.max_payload_kib * 1024,
             max_attempts=rc.max_attempts)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    transport.connect()
    while not stop.wait(1.0):
        pass
    transport.stop()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
