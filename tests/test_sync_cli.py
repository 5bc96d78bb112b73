"""The daemons as processes (`kiosk-sync`, `clinic-receiver`) and the local loopback, with a real broker."""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from kiosk.demo.broker import MosquittoProcess
from clinic.store.sqlite import SqliteClinicStore
from kiosk.demo.loopback import run_local_sync
from sync.outbox import Outbox
from kiosk.demo.samples import device_outbox

pytestmark = pytest.mark.broker
ROOT = Path(__file__).resolve().parent.parent
DEVICE = "kiosk-cli"


def make_device_db(state: Path, n: int, seed: int) -> list[str]:
    return device_outbox(state, n, device_id=DEVICE, seed=seed)


def write_config(path: Path, state: Path, port: int) -> Path:
    path.write_text(f"""
[device]
device_id = "{DEVICE}"
state_dir = "{state}"

[sync]
port = {port}
ack_timeout_s = 1.0
reconnect_min_s = 0.05
reconnect_max_s = 0.5
""", encoding="utf-8")
    return path


def write_receiver_config(path: Path, port: int, clinic_db: Path) -> Path:
    path.write_text(f"""
[receiver]
port = {port}
reconnect_min_s = 0.05
reconnect_max_s = 0.5
db = "{clinic_db}"
""", encoding="utf-8")
    return path


def retained(broker: MosquittoProcess, topic: str) -> bytes | None:
    got: list[bytes] = []
    done = threading.Event()
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)

    def on_message(client, userdata, msg):  # type: ignore[no-untyped-def]
        got.append(bytes(msg.payload))
        done.set()
    c.on_message = on_message
    c.connect(broker.host, broker.port)
    c.subscribe(topic, qos=1)
    c.loop_start()
    done.wait(3)
    c.loop_stop()
    c.disconnect()
    return got[0] if got else None


def test_daemons_drain_the_outbox_exactly_once(tmp_path: Path) -> None:
    state, clinic_db = tmp_path / "state", tmp_path / "clinic" / "clinic.db"
    ids = make_device_db(state, 25, seed=11)
    with MosquittoProcess(workdir=tmp_path / "broker") as broker:
        cfg = write_config(tmp_path / "kiosk.toml", state, broker.port)
        rx_cfg = write_receiver_config(tmp_path / "receiver.toml", broker.port, clinic_db)
        rx = subprocess.Popen([sys.executable, "-m", "clinic.receiver", "--config", str(rx_cfg)], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True)
        try:
            tx = subprocess.run([sys.executable, "-m", "sync.publisher", "--config", str(cfg), "--once"],
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
            assert tx.returncode == 0, tx.stderr
        finally:
            rx.send_signal(signal.SIGTERM)
            assert rx.wait(15) == 0, rx.stderr.read()
        assert retained(broker, f"clinic/{DEVICE}/status") == b"offline"
    clinic = SqliteClinicStore(clinic_db)
    assert sorted(clinic.session_ids()) == sorted(ids)
    clinic.close()
    ob = Outbox(state / "kiosk.db")
    assert ob.counts().pending == 0
    ob.close()


def test_daemons_refuse_bad_config_and_missing_outbox(tmp_path: Path) -> None:
    for module, section in (("sync.publisher", "sync"), ("clinic.receiver", "receiver")):
        bad = tmp_path / f"bad-{section}.toml"
        bad.write_text(f"[{section}]\nport = 'not a port'\n", encoding="utf-8")
        r = subprocess.run([sys.executable, "-m", module, "--config", str(bad)], cwd=ROOT,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 3 and f"{section}.port" in r.stderr
    cfg = write_config(tmp_path / "ok.toml", tmp_path / "state", 1883)
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    r = subprocess.run([sys.executable, "-m", "sync.publisher", "--config", str(cfg), "--db", str(empty), "--once"],
                       cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert r.returncode == 4 and "no outbox table" in r.stderr


def test_run_local_sync_for_the_demo(tmp_path: Path) -> None:
    state = tmp_path / "state"
    ids = make_device_db(state, 12, seed=12)
    first = run_local_sync(state / "kiosk.db", tmp_path / "clinic.db", timeout_s=30)
    assert (first.published, first.acked, first.pending, first.stored, first.clinic_total) == (12, 12, 0, 12, 12)
    more = make_device_db(state, 3, seed=13)             # a later session: only the new rows go
    second = run_local_sync(state / "kiosk.db", tmp_path / "clinic.db", timeout_s=30)
    assert (second.published, second.stored, second.clinic_total) == (3, 3, 15)
    clinic = SqliteClinicStore(tmp_path / "clinic.db")
    assert sorted(clinic.session_ids()) == sorted(ids + more)
    clinic.close()


def test_kiosk_sync_killed_mid_backlog_resumes_from_the_table(tmp_path: Path) -> None:
    state, clinic_db = tmp_path / "state", tmp_path / "clinic.db"
    ids = make_device_db(state, 400, seed=14)
    with MosquittoProcess(workdir=tmp_path / "broker") as broker:
        cfg = write_config(tmp_path / "kiosk.toml", state, broker.port)
        rx_cfg = write_receiver_config(tmp_path / "receiver.toml", broker.port, clinic_db)
        rx = subprocess.Popen([sys.executable, "-m", "clinic.receiver", "--config", str(rx_cfg)], cwd=ROOT)
        try:
            tx = subprocess.Popen([sys.executable, "-m", "sync.publisher", "--config", str(cfg)], cwd=ROOT)
            ob = Outbox(state / "kiosk.db")
            deadline = time.monotonic() + 30
            while ob.counts().acked < 50 and time.monotonic() < deadline:
                time.sleep(0.02)
            tx.kill()                                     # SIGKILL: no clean shutdown
            tx.wait(10)
            at_kill = ob.counts()
            assert 50 <= at_kill.acked < 400
            assert retained(broker, f"clinic/{DEVICE}/status") == b"offline"     # the last will
            again = subprocess.run([sys.executable, "-m", "sync.publisher", "--config", str(cfg), "--once"],
                                   cwd=ROOT, capture_output=True, text=True, timeout=60)
            assert again.returncode == 0, again.stderr
            assert ob.counts().pending == 0
            ob.close()
        finally:
            rx.terminate()
            rx.wait(15)
    clinic = SqliteClinicStore(clinic_db)
    got = clinic.session_ids()
    clinic.close()
    assert len(got) == 400 and set(got) == set(ids)
