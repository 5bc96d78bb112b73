"""`kiosk doctor` against real things: the pinned models, a replayed camera image (the
astronaut) and WAV, a real store database, a real TLS broker on the production config
with provisioned certificates; then each of them broken, one FAIL line each."""
from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from kiosk.capture.audio import write_wav
from kiosk.cli import main as kiosk_main
from kiosk.commands.doctor import FAIL, OK, WARN, check_broker, run_checks
from kiosk.pin import hash_pin
from kiosk.config import KioskConfig
from kiosk.store.db import open_database
from kiosk.demo.broker import MosquittoProcess, free_port
from deploy_helpers import ROOT, production_broker_lines, provision, tls_client
from wire.transport import MqttTransport

pytestmark = [pytest.mark.broker, pytest.mark.skipif(shutil.which("mosquitto") is None, reason="no mosquitto")]
SKIP_NONE: set[str] = set()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A provisioned kiosk: certificates, state dir with a database, replay camera and mic, broker."""
    import cv2
    from skimage import data

    d = tmp_path_factory.mktemp("site")
    pki = d / "pki"
    provision(pki, "kiosk-doc", "--broker-host", "127.0.0.1")
    cv2.imwrite(str(d / "face.png"), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    t = np.arange(16000) / 16000
    write_wav(d / "tone.wav", (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16000)
    db, _ = open_database(d / "state")
    db.conn.close()
    with MosquittoProcess(workdir=d / "broker", anonymous=False, extra_config=production_broker_lines(pki)) as b:
        yield {"dir": d, "pki": pki, "port": b.port}


STAFF_PIN_HASH = hash_pin("482913")


def config(site: dict, **sync_over: object) -> KioskConfig:
    dev = site["pki"] / "devices/kiosk-doc"
    sync = {"host": "127.0.0.1", "port": site["port"], "tls": True, "ca_file": dev / "ca.crt",
            "cert_file": dev / "device.crt", "key_file": dev / "device.key"} | sync_over
    return KioskConfig.model_validate({
        "device": {"device_id": "kiosk-doc", "state_dir": site["dir"] / "state", "provisioned": True},
        "ui": {"pin_hash": STAFF_PIN_HASH},          # a healthy provisioned kiosk has its own PIN
        "vision": {"model_dir": ROOT / "models"},
        "camera": {"source": "replay", "device": str(site["dir"] / "face.png")},
        "audio": {"source": "replay", "replay_path": site["dir"] / "tone.wav", "sample_rate_hz": 16000},
        "sync": sync})


def by_name(checks: list) -> dict[str, tuple[str, str]]:
    return {c.name: (c.status, c.detail) for c in checks}


def test_a_healthy_kiosk_passes(site: dict) -> None:
    got = by_name(run_checks(config(site), SKIP_NONE, 5.0))
    assert {n for n, (s, _) in got.items() if s != OK} <= {"disk"}, got
    assert got["camera"][1].endswith("512x512 px frame")
    assert "-23.0 dBFS" in got["microphone"][1]              # 0.1 amplitude sine: 20 log10(0.1/sqrt 2)
    assert "integrity_check ok" in got["database"][1]
    assert "MQTT v5 connection accepted" in got["broker"][1]
    days = float(got["device certificate"][1].split(": ")[1].split()[0])
    assert 820 <= days <= 826                                  # provision_device issues 825 days
    assert got["device key"][1].endswith("mode 0600")


def expired_cert(pki: Path, out: Path, start: datetime, end: datetime) -> Path:
    """Sign a certificate for kiosk-doc's key with explicit validity dates (openssl ca)."""
    fmt = "%Y%m%d%H%M%SZ"
    key = pki / "devices/kiosk-doc/device.key"
    csr = subprocess.run(["openssl", "req", "-new", "-key", str(key), "-subj", "/CN=kiosk-doc"],
                         capture_output=True, check=True).stdout
    (out.parent / "x.csr").write_bytes(csr)
    subprocess.run(["openssl", "ca", "-batch", "-config", str(pki / "ca/openssl.cnf"), "-in", str(out.parent / "x.csr"),
                    "-out", str(out), "-extensions", "ext_client", "-startdate", start.strftime(fmt),
                    "-enddate", end.strftime(fmt)], capture_output=True, check=True)
    return out


def test_every_broken_part_is_a_fail_line(site: dict, tmp_path: Path) -> None:
    models = tmp_path / "models"
    shutil.copytree(ROOT / "models", models)
    (models / "iris_landmark.tflite").write_bytes(b"not a model")
    (models / "face_landmark.tflite").unlink()
    state = tmp_path / "state"
    state.mkdir()
    (state / "kiosk.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 4000)   # a corrupt database
    now = datetime.now(timezone.utc)
    old = expired_cert(site["pki"], tmp_path / "old.crt", now - timedelta(days=400), now - timedelta(days=5))
    cfg = config(site, port=free_port(), cert_file=old).model_copy(update={
        "vision": config(site).vision.model_copy(update={"model_dir": models}),
        "camera": config(site).camera.model_copy(update={"device": str(tmp_path / "no-camera.png")}),
        "audio": config(site).audio.model_copy(update={"replay_path": tmp_path / "no-mic.wav"}),
        "device": config(site).device.model_copy(update={"state_dir": state})})
    got = by_name(run_checks(cfg, SKIP_NONE, 3.0))
    assert got["model face_detection_short_range.tflite"][0] == OK
    assert got["model iris_landmark.tflite"][0] == FAIL and "mismatch" in got["model iris_landmark.tflite"][1]
    assert got["model face_landmark.tflite"][0] == FAIL and "missing" in got["model face_landmark.tflite"][1]
    assert got["camera"] == (FAIL, f"replay source not found: {tmp_path / 'no-camera.png'}")
    assert got["microphone"][0] == FAIL and "no-mic.wav" in got["microphone"][1]
    assert got["database"][0] == FAIL
    assert got["broker"][0] == FAIL and "refused" in got["broker"][1].lower()
    assert got["device certificate"][0] == FAIL and "expired 5 days ago" in got["device certificate"][1]


def test_expiring_certificate_and_loose_key_warn(site: dict, tmp_path: Path) -> None:
    now = datetime.now(timezone.utc)
    soon = expired_cert(site["pki"], tmp_path / "soon.crt", now - timedelta(days=1), now + timedelta(days=10, hours=1))
    key = tmp_path / "device.key"
    shutil.copy(site["pki"] / "devices/kiosk-doc/device.key", key)
    key.chmod(0o644)
    got = by_name(run_checks(config(site, cert_file=soon, key_file=key), {"camera", "microphone"}, 5.0))
    assert got["device certificate"] == (WARN, f"{soon}: 10 days left")
    assert got["device key"][0] == WARN and "0644" in got["device key"][1]
    assert got["broker"][0] == OK                    # still a valid certificate: the broker accepts it
    assert "camera" not in got and "microphone" not in got


def test_wrong_ca_device_cannot_reach_the_broker(site: dict, tmp_path: Path) -> None:
    """The broker check is a real TLS + MQTT connect: a wrong-CA certificate is a FAIL."""
    rogue = tmp_path / "rogue"
    provision(rogue, "kiosk-doc", "--broker-host", "127.0.0.1")
    got = by_name(run_checks(config(site, cert_file=rogue / "devices/kiosk-doc/device.crt",
                                     key_file=rogue / "devices/kiosk-doc/device.key"),
                             {"camera", "microphone", "models"}, 3.0))
    assert got["broker"][0] == FAIL


def test_cli_prints_one_line_per_check_and_exits_nonzero(site: dict, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    toml = tmp_path / "kiosk.toml"
    toml.write_text(f'[device]\ndevice_id = "kiosk-doc"\nstate_dir = "{tmp_path}"\n'
                    f'[camera]\nsource = "replay"\ndevice = "{tmp_path}/none.png"\n'
                    f'[sync]\nport = {free_port()}\n')
    assert kiosk_main(["--config", str(toml), "doctor", "--skip", "microphone"]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    got = {ln.split()[1]: ln.split()[0] for ln in lines[:-1]}
    assert list(got) == ["platform", "model", "landmark", "camera", "numpy", "simplejpeg", "picamera2", "pin",
                         "database", "disk", "broker", "certificates"]                       # 6 model lines
    assert len(lines) == 18 and [ln.split()[0] for ln in lines[:8]] == [OK] * 8
    assert (got["camera"], got["pin"], got["database"], got["broker"], got["certificates"]) == (FAIL, WARN, WARN, FAIL, WARN)
    assert lines[-1].startswith("17 checks: 2 failed")
    assert kiosk_main(["--config", str(toml), "doctor", "--skip", "camera,microphone,broker,certificates"]) == 0


def test_device_id_must_match_the_certificate_cn(site: dict) -> None:
    """With device_id != CN the broker accepts the connection but refuses every session publish
    (PUBACK 135, see test_deploy_broker): doctor catches the misconfiguration before that."""
    cfg = config(site)
    cfg = cfg.model_copy(update={"device": cfg.device.model_copy(update={"device_id": "kiosk-other"})})
    got = by_name(run_checks(cfg, {"camera", "microphone", "models"}, 5.0))
    assert got["broker"][0] == OK
    assert got["identity"][0] == FAIL and "'kiosk-doc' != [device] device_id 'kiosk-other'" in got["identity"][1]
    assert by_name(run_checks(config(site), {"camera", "microphone", "models", "broker"}, 5.0))["identity"] == (
        OK, "certificate CN kiosk-doc = device id")


def test_broker_check_keeps_the_kiosk_session_and_its_queued_acks(site: dict) -> None:
    """The broker takes the client id from the certificate, so the doctor's connection takes over
    kiosk-sync's session. An ack queued for the (offline) kiosk must survive the check: the doctor
    connects with clean_start=False and the same session expiry (a clean start wiped it)."""
    import threading

    from wire.topics import ack_topic

    pki, dev = site["pki"], site["pki"] / "devices/kiosk-doc"
    tls = {"ca_certs": str(pki / "ca/ca.crt"), "certfile": str(dev / "device.crt"), "keyfile": str(dev / "device.key")}
    got: list[bytes] = []
    arrived = threading.Event()

    def kiosk() -> MqttTransport:
        t = MqttTransport("kiosk-doc", "127.0.0.1", site["port"], session_expiry_s=600, tls=tls, backoff_base_s=0.1)
        t.on_message = lambda m: (got.append(m.payload), arrived.set(), True)[-1]
        return t

    first = kiosk()
    first.subscribe(ack_topic("clinic", "kiosk-doc", "+"))
    first.connect()
    assert first.wait_subscribed(10)
    first.stop()                                            # kiosk offline; its session stays on the broker
    rx = tls_client(site["port"], "clinic-receiver", pki / "ca/ca.crt", pki / "receiver/receiver.crt",
                    pki / "receiver/receiver.key")
    assert rx.connected.is_set(), rx.connect_error
    rx.client.publish(ack_topic("clinic", "kiosk-doc", "s-queued"), b'{"status": "stored"}', qos=1).wait_for_publish(5)
    rx.client.disconnect()
    assert by_name(check_broker(config(site), 5.0))["broker"][0] == OK
    again = kiosk()                                         # kiosk-sync comes back: no new subscription
    again.connect()
    try:
        assert arrived.wait(10), "the queued ack was lost by the doctor's broker check"
        assert got == [b'{"status": "stored"}']
    finally:
        again.stop()
