"""Shared pieces of the deployment tests: provisioning into a temp dir and the
production broker config (device_config/mosquitto.conf) rewritten for a temp dir and port."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt

ROOT = Path(__file__).resolve().parent.parent
PROVISION = ROOT / "scripts" / "provision_device"


def provision(pki: Path, *args: str) -> None:
    r = subprocess.run([sys.executable, str(PROVISION), *args, "--pki", str(pki)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr


def production_broker_lines(pki: Path, acl: Path = ROOT / "device_config" / "acl") -> list[str]:
    """device_config/mosquitto.conf with its paths pointed at ``pki``.

    kiosk.demo.broker.MosquittoProcess writes the listener line (free port on 127.0.0.1) and the
    persistence and log lines; everything else comes from the production file unchanged, so
    the TLS options attach to that listener exactly as they do to ``listener 8883``.
    """
    paths = {"/etc/mosquitto/certs/ca.crt": pki / "ca/ca.crt", "/etc/mosquitto/certs/ca.crl": pki / "ca/ca.crl",
             "/etc/mosquitto/certs/server.crt": pki / "server/server.crt",
             "/etc/mosquitto/certs/server.key": pki / "server/server.key", "/etc/mosquitto/acl": acl}
    skip = ("listener ", "persistence", "autosave_interval", "log_dest")
    out = []
    for line in (ROOT / "device_config" / "mosquitto.conf").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line.startswith(skip):
            continue
        key, _, value = line.partition(" ")
        out.append(f"{key} {paths.get(value, value)}")
    return out


@dataclass
class Client:
    """A raw paho MQTT v5 client that records what the broker said (CONNACK, PUBACK, SUBACK)."""

    client: mqtt.Client
    connected: threading.Event = field(default_factory=threading.Event)
    gone: threading.Event = field(default_factory=threading.Event)
    connect_error: str = ""
    puback: dict[int, mqtt.ReasonCode] = field(default_factory=dict)
    suback: dict[int, list] = field(default_factory=dict)
    messages: list[mqtt.MQTTMessage] = field(default_factory=list)
    events: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, topic: str, payload: str, timeout_s: float = 5.0) -> mqtt.ReasonCode:
        info = self.client.publish(topic, payload, qos=1)
        with self.events:
            assert self.events.wait_for(lambda: info.mid in self.puback, timeout_s), "no PUBACK"
            return self.puback[info.mid]

    def subscribe(self, topic: str, timeout_s: float = 5.0) -> list:
        _, mid = self.client.subscribe(topic, qos=1)
        with self.events:
            assert self.events.wait_for(lambda: mid in self.suback, timeout_s), "no SUBACK"
            return self.suback[mid]

    def close(self) -> None:
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()


def tls_client(port: int, client_id: str, ca: Path, cert: Path | None = None, key: Path | None = None,
               timeout_s: float = 5.0) -> Client:
    """Connect over TLS (client certificate when given); wait for CONNACK or a failure."""
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    c.tls_set(ca_certs=str(ca), certfile=str(cert) if cert else None, keyfile=str(key) if key else None)
    w = Client(c)

    def on_connect(client, userdata, flags, rc, props):  # type: ignore[no-untyped-def]
        if rc.is_failure:
            w.connect_error = f"CONNACK {rc}"
            w.gone.set()
        else:
            w.connected.set()

    def on_disconnect(client, userdata, flags, rc, props):  # type: ignore[no-untyped-def]
        w.connect_error = w.connect_error or f"disconnected: {rc}"
        w.gone.set()

    def on_publish(client, userdata, mid, rc, props):  # type: ignore[no-untyped-def]
        with w.events:
            w.puback[mid] = rc
            w.events.notify_all()

    def on_subscribe(client, userdata, mid, rcs, props):  # type: ignore[no-untyped-def]
        with w.events:
            w.suback[mid] = list(rcs)
            w.events.notify_all()

    def on_message(client, userdata, msg):  # type: ignore[no-untyped-def]
        with w.events:
            w.messages.append(msg)
            w.events.notify_all()

    c.on_connect, c.on_disconnect, c.on_publish = on_connect, on_disconnect, on_publish
    c.on_subscribe, c.on_message = on_subscribe, on_message
    c.on_connect_fail = lambda client, userdata: (setattr(w, "connect_error", "connect failed"), w.gone.set())
    try:
        c.connect("127.0.0.1", port, keepalive=30)
    except OSError as e:  # ssl.SSLError is an OSError: the handshake itself was refused
        w.connect_error = f"{type(e).__name__}: {e}"
        w.gone.set()
        return w
    c.loop_start()
    deadline = time.monotonic() + timeout_s
    while not (w.connected.is_set() or w.gone.is_set()) and time.monotonic() < deadline:
        time.sleep(0.02)
    if not w.connected.is_set():
        c.loop_stop()
    return w


def plain_mqtt_accepted(port: int, wait_s: float = 1.0) -> bool:
    """True when a plain (non-TLS) MQTT v5 CONNECT to 127.0.0.1:``port`` gets a successful CONNACK."""
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="plain", protocol=mqtt.MQTTv5)
    results: list = []
    c.on_connect = lambda *a: results.append(a[3])
    try:
        c.connect("127.0.0.1", port, keepalive=5)
        c.loop_start()
        time.sleep(wait_s)
        c.loop_stop()
    except OSError:
        pass
    return any(not rc.is_failure for rc in results)


PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PostgresServer:
    """A throw-away PostgreSQL 15 server (Debian's binaries) in a temp dir on a free port.

    PostgreSQL refuses to run as root, so as root the data dir is chowned to ``postgres``
    and initdb/pg_ctl run under ``runuser -u postgres``. fsync is off: test data only.
    """

    def __init__(self) -> None:
        import os
        import tempfile

        from kiosk.demo.broker import free_port

        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pg-"))          # /tmp is traversable by postgres
        self.data = self.dir / "data"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            import shutil
            shutil.chown(self.dir, "postgres", "postgres")

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def _run(self, *cmd: str) -> None:
        r = subprocess.run([*self._as, *cmd], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"{cmd[0]} failed: {r.stdout}\n{r.stderr}"

    def start(self) -> "PostgresServer":
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync",
                  "-E", "UTF8", "--locale=C")
        return self.start_existing()

    def start_existing(self) -> "PostgresServer":
        """Start (again) on the same data directory and port."""
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"), "-w",
                  "-t", "60", "start")
        return self

    def create_db(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        import shutil

        if self.data.exists():
            subprocess.run([*self._as, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)
