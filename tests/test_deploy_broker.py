"""Attacks on the production broker config: real Mosquitto (device_config/mosquitto.conf
and device_config/acl, TLS with client certificates from scripts/provision_device) on a
free local port, with the real clinic receiver (clinic.receiver) storing into SQLite."""
from __future__ import annotations

import logging
import random
import shutil
import time
from pathlib import Path

import pytest

from kiosk.demo.broker import MosquittoProcess
from clinic.store.sqlite import SqliteClinicStore
from clinic.receiver import Receiver
from kiosk.demo.samples import sample_summary
from wire.transport import MqttTransport
from deploy_helpers import ROOT, plain_mqtt_accepted, production_broker_lines, provision, tls_client

pytestmark = [pytest.mark.broker,
              pytest.mark.skipif(shutil.which("mosquitto") is None, reason="mosquitto not installed")]
NOT_AUTHORIZED = 135


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("pki")
    for dev in ("kiosk-a", "kiosk-b", "kiosk-revoked", "kiosk-stolen"):
        provision(d, dev, "--broker-host", "127.0.0.1")
    provision(d, "--revoke", "kiosk-revoked")
    return d


@pytest.fixture(scope="module")
def rogue_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second, unrelated CA that issues a certificate with the same CN as kiosk-a."""
    d = tmp_path_factory.mktemp("rogue")
    provision(d, "kiosk-a", "--broker-host", "127.0.0.1")
    return d


@pytest.fixture(scope="module")
def broker(pki: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with MosquittoProcess(workdir=tmp_path_factory.mktemp("broker"), anonymous=False,
                          extra_config=production_broker_lines(pki)) as b:
        yield b


@pytest.fixture(scope="module")
def receiver(broker: MosquittoProcess, pki: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    store = SqliteClinicStore(tmp_path_factory.mktemp("clinic") / "clinic.db")
    tls = {"ca_certs": str(pki / "ca/ca.crt"), "certfile": str(pki / "receiver/receiver.crt"),
           "keyfile": str(pki / "receiver/receiver.key")}
    transport = MqttTransport("clinic-receiver-test", "127.0.0.1", broker.port, manual_ack=True, tls=tls,
                              backoff_base_s=0.1)
    rx = Receiver(store, transport, topic_root="clinic")
    transport.connect()
    assert transport.wait_subscribed(10), broker.log_tail()
    yield rx
    transport.stop()
    store.close()


def device(broker: MosquittoProcess, pki: Path, dev: str):  # type: ignore[no-untyped-def]
    d = pki / "devices" / dev
    return tls_client(broker.port, f"test-{dev}-{time.monotonic_ns()}", d / "ca.crt", d / "device.crt", d / "device.key")


def wait_for(cond, timeout_s: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return bool(cond())


def test_no_client_certificate_is_refused(broker: MosquittoProcess, pki: Path) -> None:
    c = tls_client(broker.port, "no-cert", pki / "ca/ca.crt")
    assert not c.connected.is_set()
    assert c.connect_error, "no error recorded"
    assert wait_for(lambda: "peer did not return a certificate" in broker.log_tail(20000), 3)


def test_wrong_ca_certificate_is_refused(broker: MosquittoProcess, pki: Path, rogue_pki: Path) -> None:
    rogue = rogue_pki / "devices/kiosk-a"
    n = broker.log_tail(100000).count("certificate verify failed")
    c = tls_client(broker.port, "rogue", pki / "ca/ca.crt", rogue / "device.crt", rogue / "device.key")
    assert not c.connected.is_set() and c.connect_error
    assert wait_for(lambda: broker.log_tail(100000).count("certificate verify failed") == n + 1, 3)


def test_revoked_certificate_is_refused(broker: MosquittoProcess, pki: Path) -> None:
    n = broker.log_tail(100000).count("certificate verify failed")
    c = device(broker, pki, "kiosk-revoked")
    assert not c.connected.is_set() and c.connect_error
    assert wait_for(lambda: broker.log_tail(100000).count("certificate verify failed") == n + 1, 3)
    ok = device(broker, pki, "kiosk-b")            # same CA, not revoked: accepted
    assert ok.connected.is_set(), ok.connect_error
    ok.close()


def test_plain_mqtt_on_the_tls_port_is_refused(broker: MosquittoProcess) -> None:
    assert not plain_mqtt_accepted(broker.port)


def test_device_cannot_publish_under_another_device(broker: MosquittoProcess, pki: Path, receiver: Receiver,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """kiosk-a publishes a well-formed summary for kiosk-b on kiosk-b's topic.

    Mosquitto 2.0 answers an ACL-denied QoS 1 PUBLISH from an MQTT v5 client with a PUBACK
    whose reason code is 135 "Not authorized" and does not deliver the message; (an MQTT
    3.1.1 client would get a plain PUBACK: v5 is what lets the publisher see the refusal).
    """
    rng = random.Random(9)
    a = device(broker, pki, "kiosk-a")
    assert a.connected.is_set(), a.connect_error
    before = receiver.store.count_summaries()
    forged = sample_summary(rng, device_id="kiosk-b")
    rc = a.publish(f"clinic/kiosk-b/sessions/{forged.session_id}", forged.model_dump_json())
    assert rc.value == NOT_AUTHORIZED and rc.getName() == "Not authorized"
    own = sample_summary(rng, device_id="kiosk-a")
    assert a.subscribe("clinic/kiosk-a/ack/+")[0].value == 1            # granted QoS 1: its own acks
    assert a.publish(f"clinic/kiosk-a/sessions/{own.session_id}", own.model_dump_json()).value == 0
    assert wait_for(lambda: receiver.store.count_summaries() == before + 1)
    assert wait_for(lambda: any(m.topic == f"clinic/kiosk-a/ack/{own.session_id}" for m in a.messages))
    time.sleep(0.5)                                                        # the forged one never arrives
    stored = receiver.store.session_ids()
    assert own.session_id in stored and forged.session_id not in stored
    assert receiver.store.count_summaries() == before + 1 and receiver.store.count_dead_letters() == 0
    a.close()


def test_device_cannot_read_or_forge_acks_of_another_device(broker: MosquittoProcess, pki: Path,
                                                            receiver: Receiver) -> None:
    """Mosquitto 2.0 grants any SUBSCRIBE (SUBACK QoS 1) and applies the ACL's read rules when
    it delivers: kiosk-a's wildcard subscriptions receive nothing of kiosk-b's traffic."""
    a, b = device(broker, pki, "kiosk-a"), device(broker, pki, "kiosk-b")
    assert a.subscribe("clinic/kiosk-b/ack/+")[0].value == 1
    assert a.subscribe("clinic/+/sessions/+")[0].value == 1
    assert b.subscribe("clinic/kiosk-b/ack/+")[0].value == 1
    assert a.publish("clinic/kiosk-b/ack/x", '{"session_id": "x", "outcome": "stored"}').value == NOT_AUTHORIZED
    assert a.publish("clinic/kiosk-a/ack/x", '{"session_id": "x", "outcome": "stored"}').value == NOT_AUTHORIZED
    own_b = sample_summary(random.Random(11), device_id="kiosk-b")
    assert b.publish(f"clinic/kiosk-b/sessions/{own_b.session_id}", own_b.model_dump_json()).value == 0
    assert wait_for(lambda: any(m.topic == f"clinic/kiosk-b/ack/{own_b.session_id}" for m in b.messages))
    time.sleep(0.5)
    assert a.messages == []                          # neither b's summary nor the receiver's ack to b
    assert [m.topic for m in b.messages] == [f"clinic/kiosk-b/ack/{own_b.session_id}"]   # no forged ack
    a.close()
    b.close()


def test_revocation_while_running_takes_effect_on_sighup(broker: MosquittoProcess, pki: Path) -> None:
    """A stolen kiosk is revoked without a broker restart: provision_device --revoke, then SIGHUP
    (``systemctl reload mosquitto``) reloads the CRL. What is real in Mosquitto 2.0.11: new
    connections are refused at once, but a connection opened before the reload stays up
    until it drops; restart the broker to cut it (tested here, so the runbook can say so)."""
    import signal

    held = device(broker, pki, "kiosk-stolen")
    assert held.connected.is_set(), held.connect_error
    provision(pki, "--revoke", "kiosk-stolen")
    broker.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    fresh = device(broker, pki, "kiosk-stolen")
    assert not fresh.connected.is_set() and fresh.connect_error
    still = held.publish("clinic/kiosk-stolen/status", "online")
    assert not still.is_failure and not held.gone.is_set()      # the old connection survives the reload
    held.close()


def test_kiosk_transport_logs_a_refused_publish(broker: MosquittoProcess, pki: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    """The device's own MqttTransport (as kiosk-sync uses it) sees the v5 refusal and logs it."""
    d = pki / "devices" / "kiosk-a"
    t = MqttTransport("kiosk-a-transport", "127.0.0.1", broker.port, backoff_base_s=0.1,
                      tls={"ca_certs": str(d / "ca.crt"), "certfile": str(d / "device.crt"),
                           "keyfile": str(d / "device.key")})
    t.connect()
    try:
        assert wait_for(lambda: t.connected), broker.log_tail()
        forged = sample_summary(random.Random(21), device_id="kiosk-b")
        with caplog.at_level(logging.ERROR, logger="wire.transport"):
            assert t.publish(f"clinic/kiosk-b/sessions/{forged.session_id}", forged.model_dump_json())
            assert wait_for(lambda: t.refused_publishes == 1)
        assert any("refused publish" in r.getMessage() and "Not authorized" in r.getMessage()
                   for r in caplog.records)
        own = sample_summary(random.Random(22), device_id="kiosk-a")
        assert t.publish(f"clinic/kiosk-a/sessions/{own.session_id}", own.model_dump_json())
        time.sleep(0.5)
        assert t.refused_publishes == 1               # its own topic is accepted
    finally:
        t.stop()


# -- identities (issue 13, item 5) -------------------------------------------------------------

def test_kiosk_cannot_take_another_clients_identity(broker: MosquittoProcess, pki: Path, receiver: Receiver) -> None:
    """kiosk-a asks for the receiver's and kiosk-b's client ids (clean start, which would also wipe
    their persistent sessions). use_username_as_clientid makes its client id its CN instead: the
    receiver and kiosk-b stay connected, and kiosk-b's next summary is stored and acked."""
    drops: list[int] = []
    receiver.transport.on_disconnect = lambda: drops.append(1)
    b = device(broker, pki, "kiosk-b")
    try:
        assert b.subscribe("clinic/kiosk-b/ack/+")[0].value == 1
        thieves = []
        for stolen in ("clinic-receiver", "clinic-receiver-test", "kiosk-b"):
            d = pki / "devices/kiosk-a"
            thief = tls_client(broker.port, stolen, d / "ca.crt", d / "device.crt", d / "device.key")
            assert thief.connected.is_set(), thief.connect_error
            thieves.append(thief)
            time.sleep(0.3)
        assert not b.gone.is_set() and drops == []
        assert broker.log_tail(100000).count("as kiosk-a (p5, c1, k30, u'kiosk-a')") >= 3
        s = sample_summary(random.Random(31), device_id="kiosk-b")
        assert b.publish(f"clinic/kiosk-b/sessions/{s.session_id}", s.model_dump_json()).value == 0
        assert wait_for(lambda: any(m.topic == f"clinic/kiosk-b/ack/{s.session_id}" for m in b.messages))
        assert s.session_id in receiver.store.session_ids() and drops == []
        for t in thieves:
            t.close()
    finally:
        receiver.transport.on_disconnect = None
        b.close()


def _receiver(port: int, store_path: Path, cert_dir: Path, name: str, group: str | None):  # type: ignore[no-untyped-def]
    tls = {"ca_certs": str(cert_dir.parent.parent / "ca/ca.crt") if "receivers" in str(cert_dir)
           else str(cert_dir.parent / "ca/ca.crt"),
           "certfile": str(cert_dir / f"{name}.crt"), "keyfile": str(cert_dir / f"{name}.key")}
    t = MqttTransport(f"rx-{name}", "127.0.0.1", port, manual_ack=True, tls=tls, backoff_base_s=0.1)
    rx = Receiver(SqliteClinicStore(store_path), t, topic_root="clinic", group=group)
    t.connect()
    assert t.wait_subscribed(10)
    return rx


def _swallow_attempts(broker: MosquittoProcess, pki: Path) -> object:
    """kiosk-a joins every guessable receivers' group (and the shipped config's, if it has one)."""
    from clinic.config import load_clinic_config

    a = device(broker, pki, "kiosk-a")
    shipped = load_clinic_config(ROOT / "device_config/clinic-receiver.toml").receiver.group
    for group in {"clinic", "receiver", "receivers", "clinic-receiver", "rx", *([shipped] if shipped else [])}:
        assert a.subscribe(f"$share/{group}/clinic/+/sessions/+")[0].value == 1   # Mosquitto 2.0 grants it
    return a


def _publish_from_b(broker: MosquittoProcess, pki: Path, n: int, seed: int) -> list[str]:
    b = device(broker, pki, "kiosk-b")
    rng = random.Random(seed)
    ids = []
    for _ in range(n):
        s = sample_summary(rng, device_id="kiosk-b")
        assert b.publish(f"clinic/kiosk-b/sessions/{s.session_id}", s.model_dump_json()).value == 0
        ids.append(s.session_id)
    b.close()
    return ids


def test_kiosk_share_subscription_swallows_nothing(pki: Path, tmp_path: Path) -> None:
    """The receiver as shipped (device_config/clinic-receiver.toml's group) on the production
    broker; kiosk-a joins every receivers' group it could guess. Every one of kiosk-b's
    summaries still reaches the receiver at once (not after a kiosk republish)."""
    from clinic.config import load_clinic_config

    group = load_clinic_config(ROOT / "device_config/clinic-receiver.toml").receiver.group
    with MosquittoProcess(workdir=tmp_path / "broker", anonymous=False,
                          extra_config=production_broker_lines(pki)) as b:
        rx = _receiver(b.port, tmp_path / "clinic.db", pki / "receiver", "receiver", group)
        a = _swallow_attempts(b, pki)
        ids = _publish_from_b(b, pki, 12, seed=41)
        assert wait_for(lambda: sorted(rx.store.session_ids()) == sorted(ids), 5), \
            f"{len(rx.store.session_ids())} of {len(ids)} reached the receiver"
        assert a.messages == []
        a.close()
        rx.transport.stop()


def test_receivers_with_own_certificates_share_a_secret_group(pki: Path, tmp_path: Path) -> None:
    """Load sharing as documented: provision_device --receiver b, its ACL block, a 32-hex secret
    group. The two receivers keep their own client ids (no mutual kick-off), both store, each
    summary once, and kiosk-a's guessed groups take nothing."""
    from clinic.config import ReceiverSettings

    provision(pki, "--receiver", "b")
    acl = tmp_path / "acl"
    acl.write_text((ROOT / "device_config/acl").read_text() + "\nuser clinic-receiver-b\ntopic read clinic/+/sessions/+\n"
                   "topic read clinic/+/status\ntopic write clinic/+/ack/+\n")
    group = ReceiverSettings(group="f3a9c2d17b4e8a60c5d2e91f0b7a3c48").group
    with MosquittoProcess(workdir=tmp_path / "broker", anonymous=False,
                          extra_config=production_broker_lines(pki, acl)) as b:
        store = tmp_path / "clinic.db"
        rx1 = _receiver(b.port, store, pki / "receiver", "receiver", group)
        rx2 = _receiver(b.port, store, pki / "receivers/b", "b", group)
        drops: list[str] = []
        rx1.transport.on_disconnect = lambda: drops.append("rx1")
        rx2.transport.on_disconnect = lambda: drops.append("rx2")
        a = _swallow_attempts(b, pki)
        ids = _publish_from_b(b, pki, 20, seed=43)
        assert wait_for(lambda: rx1.stats.stored + rx2.stats.stored == 20, 5)
        assert sorted(rx1.store.session_ids()) == sorted(ids) and min(rx1.stats.stored, rx2.stats.stored) > 0
        assert drops == [] and a.messages == []
        assert "as clinic-receiver-b (" in b.log_tail(100000)
        a.close()
        for rx in (rx1, rx2):
            rx.transport.on_disconnect = None
            rx.transport.stop()


def test_guessable_group_names_and_receiver_like_device_ids_are_refused(tmp_path: Path) -> None:
    from clinic.config import ReceiverSettings
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="group"):
        ReceiverSettings(group="clinic")
    import subprocess
    import sys
    r = subprocess.run([sys.executable, str(ROOT / "scripts/provision_device"), "clinic-receiver-x", "--pki",
                        str(tmp_path / "pki")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "bad device id 'clinic-receiver-x'" in r.stderr
    r = subprocess.run([sys.executable, "-m", "clinic.receiver", "--group", "clinic", "--config",
                        str(ROOT / "device_config/clinic-receiver.toml")], capture_output=True, text=True, timeout=60,
                       cwd=ROOT)
    assert r.returncode == 3 and "--group must be a secret" in r.stderr
