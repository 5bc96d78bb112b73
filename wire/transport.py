"""Message transport behind a small interface (connect, publish, subscribe, stop).

:class:`MqttTransport` wraps one paho-mqtt 2.x client (CallbackAPIVersion.VERSION2,
MQTT v5, ``clean_start=False`` with a Session Expiry Interval so the broker keeps the
subscriptions and queued QoS 1 messages while the client is away). It runs its own
network thread and reconnects with exponential backoff and jitter, so many kiosks
do not reconnect in lock-step after the clinic server restarts.

Incoming messages are handed to ``on_message(msg)``; with ``manual_ack=True`` the
transport sends the MQTT PUBACK only when the handler returns True, so a message
whose processing failed (or whose process died) is redelivered by the broker.
"""
from __future__ import annotations

import logging
import random
import socket
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    duplicate: bool


@dataclass(frozen=True)
class Will:
    topic: str
    payload: str
    retain: bool = True
    qos: int = 1


def backoff_delay_s(attempt: int, *, base_s: float, cap_s: float, rng: random.Random) -> float:
    """Exponential backoff with jitter: uniform in [d/2, d], d = min(cap, base * 2**attempt) (s)."""
    d = min(cap_s, base_s * (2.0 ** min(attempt, 30)))
    return rng.uniform(d / 2.0, d)


def _no_delay(sock: object) -> None:
    """Disable Nagle's algorithm: small acks otherwise wait for delayed TCP ACKs (~40 ms each)."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        pass


class Transport(ABC):
    """What the publisher and receiver need from a message bus."""

    on_message: Callable[[Message], bool] | None = None
    on_connect: Callable[[bool], None] | None = None      # argument: session_present
    on_disconnect: Callable[[], None] | None = None

    @abstractmethod
    def connect(self) -> None:
        """Start connecting in the background (returns at once; reconnects by itself)."""

    @abstractmethod
    def publish(self, topic: str, payload: bytes | str, *, qos: int = 1, retain: bool = False) -> bool:
        """Queue a message; False when not connected (the caller retries later)."""

    @abstractmethod
    def subscribe(self, topic: str, qos: int = 1) -> None:
        """Subscribe now and again after every reconnect."""

    @abstractmethod
    def stop(self, final: tuple[str, str] | None = None) -> None:
        """Publish ``final`` (topic, payload; retained) if connected, disconnect, join the thread."""

    @property
    @abstractmethod
    def connected(self) -> bool: ...


class MqttTransport(Transport):
    """paho-mqtt 2.x client with its own network thread and jittered reconnects."""

    def __init__(self, client_id: str, host: str, port: int, *, session_expiry_s: int = 7 * 24 * 3600,
                 keepalive_s: int = 30, will: Will | None = None, manual_ack: bool = False,
                 backoff_base_s: float = 0.5, backoff_cap_s: float = 30.0,
                 username: str | None = None, password: str | None = None,
                 tls: dict | None = None, seed: int | None = None) -> None:
        self.host, self.port, self.keepalive_s = host, port, keepalive_s
        self.session_expiry_s = session_expiry_s
        self.backoff_base_s, self.backoff_cap_s = backoff_base_s, backoff_cap_s
        self._rng = random.Random(seed)
        self._manual_ack = manual_ack
        self._subs: dict[str, int] = {}
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self._thread: threading.Thread | None = None
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                        protocol=mqtt.MQTTv5, manual_ack=manual_ack)
        c.max_queued_messages_set(0)
        c.max_inflight_messages_set(100)
        if username:
            c.username_pw_set(username, password)
        if tls:
            c.tls_set(**tls)
        if will:
            c.will_set(will.topic, will.payload, qos=will.qos, retain=will.retain)
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_message = self._on_message
        c.on_subscribe = lambda *a: self._subscribed.set()
        c.on_publish = self._on_publish
        self._client = c
        self.refused_publishes = 0

    # -- Transport interface -------------------------------------------------
    def connect(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"mqtt-{self._client._client_id!r}", daemon=True)
        self._thread.start()

    def publish(self, topic: str, payload: bytes | str, *, qos: int = 1, retain: bool = False) -> bool:
        if not self._connected.is_set():
            return False
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        return info.rc == mqtt.MQTT_ERR_SUCCESS

    def subscribe(self, topic: str, qos: int = 1) -> None:
        self._subs[topic] = qos
        if self._connected.is_set():
            self._client.subscribe(topic, qos=qos)

    def stop(self, final: tuple[str, str] | None = None) -> None:
        if final and self._connected.is_set():
            info = self._client.publish(final[0], final[1], qos=1, retain=True)
            try:
                info.wait_for_publish(timeout=2.0)
            except (RuntimeError, ValueError):
                pass
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        try:
            self._client.disconnect()
        except OSError:
            pass

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_subscribed(self, timeout_s: float) -> bool:
        """Block until the broker confirmed a subscription (SUBACK) since the last connect."""
        return self._subscribed.wait(timeout_s)

    def drop_connection(self) -> None:
        """Close the socket without a DISCONNECT packet (the loop reconnects; unacked messages come again)."""
        sock = self._client.socket()
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    # -- network thread ------------------------------------------------------
    def _run(self) -> None:
        attempt = 0
        first = True
        while not self._stop.is_set():
            try:
                if first:
                    props = Properties(PacketTypes.CONNECT)
                    props.SessionExpiryInterval = self.session_expiry_s
                    self._client.connect(self.host, self.port, keepalive=self.keepalive_s,
                                         clean_start=False, properties=props)
                    first = False
                else:
                    self._client.reconnect()
                _no_delay(self._client.socket())
            except (OSError, ValueError) as e:
                delay = backoff_delay_s(attempt, base_s=self.backoff_base_s, cap_s=self.backoff_cap_s, rng=self._rng)
                log.info("broker %s:%s unreachable (%s); retry in %.2f s", self.host, self.port, e, delay)
                attempt += 1
                self._stop.wait(delay)
                continue
            rc = mqtt.MQTT_ERR_SUCCESS
            while not self._stop.is_set() and rc == mqtt.MQTT_ERR_SUCCESS:
                rc = self._client.loop(timeout=0.05)
            if self._connected.is_set():
                attempt = 0
            self._set_disconnected()
            if not self._stop.is_set():
                delay = backoff_delay_s(attempt, base_s=self.backoff_base_s, cap_s=self.backoff_cap_s, rng=self._rng)
                log.info("connection lost (%s); reconnect in %.2f s", mqtt.error_string(rc), delay)
                attempt += 1
                self._stop.wait(delay)

    def _set_disconnected(self) -> None:
        was = self._connected.is_set()
        self._connected.clear()
        self._subscribed.clear()
        if was and self.on_disconnect:
            self.on_disconnect()

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: mqtt.ConnectFlags,
                    reason_code: object, properties: object) -> None:
        if getattr(reason_code, "is_failure", False):
            log.warning("broker refused the connection: %s", reason_code)
            return
        for topic, qos in self._subs.items():
            client.subscribe(topic, qos=qos)
        self._connected.set()
        if self.on_connect:
            self.on_connect(bool(flags.session_present))

    def _on_publish(self, client: mqtt.Client, userdata: object, mid: int,
                    reason_code: object, properties: object) -> None:
        # MQTT v5: the broker answers a publish the ACL refuses with 135 "Not authorized"
        # (MQTT 3.1.1 would PUBACK it silently). The row stays unacked and is retried.
        if getattr(reason_code, "is_failure", False):
            self.refused_publishes += 1
            log.error("broker refused publish (mid %s): %s — does the certificate CN match "
                      "device_id, and does the ACL allow this topic?", mid, reason_code)

    def _on_disconnect(self, client: mqtt.Client, userdata: object, flags: object,
                       reason_code: object, properties: object) -> None:
        self._set_disconnected()

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        m = Message(msg.topic, bytes(msg.payload), msg.qos, bool(msg.retain), bool(msg.dup))
        ok = True
        if self.on_message:
            try:
                ok = bool(self.on_message(m))
            except Exception:  # a handler bug must not kill the network thread
                log.exception("message handler failed on %s", msg.topic)
                ok = False
        if self._manual_ack and msg.qos > 0:
            if ok:
                client.ack(msg.mid, msg.qos)
            else:
                self.drop_connection()
