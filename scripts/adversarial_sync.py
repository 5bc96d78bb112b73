#!/usr/bin/env python3
"""Adversarial pass over the MQTT side (issue 13): hostile messages from a compromised kiosk
through the production TLS broker into a real clinic receiver, and TLS/ACL/identity attacks
on that broker. Everything is real: Mosquitto on device_config/mosquitto.conf + acl with a
test PKI from scripts/provision_device, the receiver of clinic/receiver.py on SQLite.

``AREAS`` maps an area name to a callable returning ``(tried, held, failures)``;
scripts/adversarial.py runs them with the kiosk areas. Alone:

    .venv/bin/python scripts/adversarial_sync.py [AREA ...]

prints tried/held per area and exits 1 if any attack was not held (docs/security.md).
"""
from __future__ import annotations

import contextlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))       # deploy_helpers: provisioning, broker config, raw TLS client

from clinic.config import ReceiverSettings  # noqa: E402
from clinic.receiver import Receiver  # noqa: E402
from clinic.store.sqlite import SqliteClinicStore  # noqa: E402
from deploy_helpers import plain_mqtt_accepted, production_broker_lines, provision, tls_client  # noqa: E402
from kiosk.demo.broker import MosquittoProcess  # noqa: E402
from kiosk.demo.samples import sample_summary  # noqa: E402
from wire.transport import MqttTransport  # noqa: E402

Result = tuple[int, int, list[str]]
NOT_AUTHORIZED = 135


def wait_for(cond: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return bool(cond())


def shipped_group() -> str | None:
    """The receivers' shared-subscription group as shipped in device_config/clinic-receiver.toml."""
    from clinic.config import load_clinic_config

    return load_clinic_config(ROOT / "device_config/clinic-receiver.toml").receiver.group


@contextlib.contextmanager
def site() -> Iterator[tuple[Path, MosquittoProcess, Receiver]]:
    """PKI (kiosk-a, kiosk-b, kiosk-revoked), production broker, receiver as shipped (its group, if any)."""
    tmp = Path(tempfile.mkdtemp(prefix="adversarial-sync-"))
    try:
        pki = tmp / "pki"
        for dev in ("kiosk-a", "kiosk-b", "kiosk-revoked"):
            provision(pki, dev, "--broker-host", "127.0.0.1")
        provision(pki, "--revoke", "kiosk-revoked")
        with MosquittoProcess(workdir=tmp / "broker", anonymous=False,
                              extra_config=production_broker_lines(pki)) as broker:
            tls = {"ca_certs": str(pki / "ca/ca.crt"), "certfile": str(pki / "receiver/receiver.crt"),
                   "keyfile": str(pki / "receiver/receiver.key")}
            t = MqttTransport("clinic-receiver", "127.0.0.1", broker.port, manual_ack=True, tls=tls,
                              backoff_base_s=0.1)
            rx = Receiver(SqliteClinicStore(tmp / "clinic.db"), t, topic_root="clinic", group=shipped_group())
            t.connect()
            if not t.wait_subscribed(10):
                raise RuntimeError(f"receiver did not subscribe: {broker.log_tail()}")
            try:
                yield pki, broker, rx
            finally:
                t.stop()
                rx.store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def device(broker: MosquittoProcess, pki: Path, dev: str, client_id: str | None = None):  # type: ignore[no-untyped-def]
    d = pki / "devices" / dev
    return tls_client(broker.port, client_id or dev, d / "ca.crt", d / "device.crt", d / "device.key")


# -- hostile messages ------------------------------------------------------------------------------

def hostile_messages(rng: random.Random) -> list[tuple[str, str, bytes]]:
    """(name, session id in the topic, payload) from kiosk-a on its own topic; each must be dead-lettered."""
    cases: list[tuple[str, str, bytes]] = []

    def summary(sid: str) -> dict:
        s = sample_summary(rng, device_id="kiosk-a")
        return json.loads(s.model_dump_json()) | {"session_id": sid}

    def add(name: str, payload: bytes | str, sid: str | None = None) -> None:
        sid = sid or f"hostile-{len(cases):03d}"
        cases.append((name, sid, payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload))

    def mutate(name: str, path: str, value: object) -> None:
        sid = f"hostile-{len(cases):03d}"
        d = summary(sid)
        *parents, last = path.split(".")
        node = d
        for p in parents:
            node = node[p]
        node[last] = value
        add(name, json.dumps(d), sid)

    def raw_replace(name: str, old: str, new: str) -> None:
        sid = f"hostile-{len(cases):03d}"
        text = json.dumps(summary(sid))
        assert old in text, old
        add(name, text.replace(old, new, 1), sid)

    # structure and encoding
    add("empty payload", b"")
    add("binary", bytes(range(256)) * 4)
    add("not UTF-8", b'{"schema_version": 1, "patient_ref": "\xff\xfe"}')
    add("truncated JSON", '{"schema_version": 1, "session_id": ')
    add("JSON array", "[1, 2, 3]")
    add("JSON string", '"summary"')
    add("oversize (300 KB)", json.dumps({"schema_version": 1, "x": "y" * 300_000}))
    add("nested arrays 5000 deep", "[" * 5000 + "]" * 5000)
    add("nested objects 5000 deep (30 KB)", '{"a":' * 5000 + "1" + "}" * 5000)
    sid = f"hostile-{len(cases):03d}"
    add("valid summary with a 5000-deep extra field",
        json.dumps(summary(sid) | {"facial": summary(sid)["facial"] | {"x": "DEEP"}}).replace('"DEEP"', "[" * 5000 + "]" * 5000),
        sid)
    add("100000-deep brackets in 200 KB", "[" * 100_000 + "]" * 100_000)
    add("unterminated string of 120000 escaped quotes (quadratic-scan bait)", b'{"a": "' + b'\\"' * 120_000)
    add("integer of 5000 digits", '{"schema_version": 1, "n": ' + "9" * 5000 + "}")
    raw_replace("NaN score", '"msii": ', '"msii": NaN, "_": ')
    raw_replace("Infinity score", '"msii": ', '"msii": Infinity, "_": ')
    raw_replace("1e999 score", '"msii": ', '"msii": 1e999, "_": ')
    raw_replace("duplicate key (last would win)", '"patient_ref": ', '"patient_ref": "P9999", "patient_ref": ')
    raw_replace("lone surrogate in a name", '"patient_ref": "', '"patient_ref": "\\ud800')
    # schema version and envelope
    for v in (2, "1", 1.0, True, None):
        mutate(f"schema_version {v!r}", "schema_version", v)
    mutate("unknown top-level key", "surprise", 1)
    mutate("patient_ref of 10000 chars", "patient_ref", "P" * 10_000)
    mutate("empty patient_ref", "patient_ref", "")
    mutate("session id with / in the payload", "session_id", "a/b")
    mutate("other device in the payload", "device_id", "kiosk-b")
    # impossible values (item 8)
    mutate("composite -500", "facial.sunnybrook.composite", -500)
    mutate("composite that does not add up", "facial.sunnybrook.composite", 99)
    mutate("HB grade 7", "facial.house_brackmann.grade", 7)
    mutate("HB grade as a string", "facial.house_brackmann.grade", "3")
    mutate("HB grade true", "facial.house_brackmann.grade", True)
    sid = f"hostile-{len(cases):03d}"
    d = summary(sid)
    d["facial"]["house_brackmann"] |= {"grade": 5, "roman": "II"}
    add("HB 5 with numeral II", json.dumps(d), sid)
    mutate("clarity 101", "speech.clarity_score", 101)
    mutate("clarity as a string", "speech.clarity_score", "81")
    mutate("ratio 1.7", "facial.regions.smile.ratio", 1.7)
    mutate("negative excursion", "facial.regions.smile.left_mm", -4.0)
    mutate("mm_per_px 0", "facial.mm_per_px", 0)
    mutate("jitter -3 %", "speech.voice.jitter_local_pct", -3)
    mutate("affected side 'both'", "facial.affected_side", "both")
    mutate("year 2999", "started_at", "2999-01-01T00:00:00+00:00")
    mutate("year 1970", "started_at", "1970-01-01T00:00:00+00:00")
    mutate("no time zone", "started_at", "2026-03-02T09:00:00")
    mutate("finished before started", "finished_at", "2020-01-02T00:00:00+00:00")
    mutate("facial as a list", "facial", [1, 2])
    return cases


def area_messages() -> Result:
    """Each hostile message is dead-lettered and acked with a reason; none blocks the next; a reused
    session id from another device is stored; a changed re-send is dead-lettered; the receiver
    never counts a storage error and still stores a good summary at the end."""
    tried, held, failures = 0, 0, []
    rng = random.Random(13)
    with site() as (pki, broker, rx):
        a = device(broker, pki, "kiosk-a")
        a.subscribe("clinic/kiosk-a/ack/+")

        def ack_for(sid: str, n_before: int) -> dict | None:
            def found() -> dict | None:
                for m in a.messages[n_before:]:
                    if m.topic == f"clinic/kiosk-a/ack/{sid}":
                        return json.loads(m.payload)
                return None
            return found() if wait_for(lambda: found() is not None, 5) else None

        for name, sid, payload in hostile_messages(rng):
            tried += 1
            n = len(a.messages)
            a.publish(f"clinic/kiosk-a/sessions/{sid}", payload)        # type: ignore[arg-type]
            ack = ack_for(sid, n)
            if ack and ack["outcome"] == "dead_lettered" and ack["reason"]:
                held += 1
            else:
                failures.append(f"message {name!r}: ack {ack}")
        # reuse of a session id by another device, and a changed re-send (item 6)
        b = device(broker, pki, "kiosk-b")
        mine = sample_summary(rng, device_id="kiosk-a")
        theirs = json.loads(mine.model_dump_json()) | {"device_id": "kiosk-b"}
        changed = json.loads(mine.model_dump_json()) | {"patient_ref": "P0666"}
        for name, client, topic, payload, want in (
                ("first summary", a, f"clinic/kiosk-a/sessions/{mine.session_id}", mine.model_dump_json(), "stored"),
                ("same session id from kiosk-b", b, f"clinic/kiosk-b/sessions/{mine.session_id}", json.dumps(theirs), "stored"),
                ("changed re-send", a, f"clinic/kiosk-a/sessions/{mine.session_id}", json.dumps(changed), "dead_lettered"),
                ("identical re-send", a, f"clinic/kiosk-a/sessions/{mine.session_id}", mine.model_dump_json(), "duplicate")):
            tried += 1
            n = len(a.messages)
            client.publish(topic, payload)
            if client is b:
                ok = wait_for(lambda: ("kiosk-b", mine.session_id) in rx.store.summary_keys())
            else:
                ack = ack_for(mine.session_id, n)
                ok = bool(ack) and ack["outcome"] == want
            held += ok
            if not ok:
                failures.append(f"{name}: expected {want}")
        tried += 1
        last = sample_summary(rng, device_id="kiosk-a")
        a.publish(f"clinic/kiosk-a/sessions/{last.session_id}", last.model_dump_json())
        intact = rx.store.summary_payload(mine.session_id, "kiosk-a") == mine.model_dump_json()
        if wait_for(lambda: last.session_id in rx.store.session_ids()) and rx.stats.storage_errors == 0 and intact:
            held += 1
        else:
            failures.append(f"receiver after the attacks: storage_errors {rx.stats.storage_errors}, "
                            f"stored row intact {intact}")
        a.close()
        b.close()
    return tried, held, failures


# -- TLS, ACL and identity -------------------------------------------------------------------------

def area_identity() -> Result:
    """Connections without the right certificate are refused; a kiosk cannot publish or read
    under another device, forge acks, take another client's identity or swallow sessions
    through a shared subscription."""
    checks: list[tuple[str, Callable[[], bool]]] = []
    with site() as (pki, broker, rx):
        rogue = Path(tempfile.mkdtemp(prefix="rogue-"))
        provision(rogue, "kiosk-a", "--broker-host", "127.0.0.1")

        def refused(c) -> bool:  # type: ignore[no-untyped-def]
            return not c.connected.is_set() and bool(c.connect_error)

        def publish_as_b() -> bool:
            a = device(broker, pki, "kiosk-a")
            s = sample_summary(random.Random(1), device_id="kiosk-b")
            rc = a.publish(f"clinic/kiosk-b/sessions/{s.session_id}", s.model_dump_json())
            a.close()
            return rc.value == NOT_AUTHORIZED and s.session_id not in rx.store.session_ids()

        def forge_ack() -> bool:
            a = device(broker, pki, "kiosk-a")
            ok = all(a.publish(t, '{"session_id": "x", "outcome": "stored"}').value == NOT_AUTHORIZED
                     for t in ("clinic/kiosk-b/ack/x", "clinic/kiosk-a/ack/x"))
            a.close()
            return ok

        def read_others() -> bool:
            a, b = device(broker, pki, "kiosk-a"), device(broker, pki, "kiosk-b")
            for t in ("clinic/kiosk-b/ack/+", "clinic/+/sessions/+", "#", "$SYS/#"):
                a.subscribe(t)
            a.messages.clear()
            s = sample_summary(random.Random(2), device_id="kiosk-b")
            b.publish(f"clinic/kiosk-b/sessions/{s.session_id}", s.model_dump_json())
            stored = wait_for(lambda: s.session_id in rx.store.session_ids())
            time.sleep(0.3)
            leaked = [m.topic for m in a.messages if m.topic.startswith("clinic/")]
            a.close()
            b.close()
            return stored and not leaked

        def take_id(stolen: str) -> Callable[[], bool]:
            def attack() -> bool:
                drops: list[int] = []
                rx.transport.on_disconnect = lambda: drops.append(1)
                b = device(broker, pki, "kiosk-b")
                thief = device(broker, pki, "kiosk-a", client_id=stolen)
                time.sleep(0.4)
                ok = thief.connected.is_set() and not b.gone.is_set() and drops == []
                thief.close()
                b.close()
                rx.transport.on_disconnect = None
                return ok
            return attack

        def swallow() -> bool:
            a = device(broker, pki, "kiosk-a")
            for g in ("clinic", "receiver", "receivers", "clinic-receiver", "rx", "kiosk"):
                a.subscribe(f"$share/{g}/clinic/+/sessions/+")
            b = device(broker, pki, "kiosk-b")
            rng = random.Random(3)
            ids = []
            for _ in range(10):
                s = sample_summary(rng, device_id="kiosk-b")
                b.publish(f"clinic/kiosk-b/sessions/{s.session_id}", s.model_dump_json())
                ids.append(s.session_id)
            ok = wait_for(lambda: set(ids) <= set(rx.store.session_ids()), 5) and not a.messages
            a.close()
            b.close()
            return ok

        def guessable_group() -> bool:
            from pydantic import ValidationError
            try:
                ReceiverSettings(group="clinic")
            except ValidationError:
                return True
            return False

        def receiver_like_device_id() -> bool:
            r = subprocess.run([sys.executable, str(ROOT / "scripts/provision_device"), "clinic-receiver-x",
                                "--pki", str(pki)], capture_output=True, text=True, timeout=60)
            return r.returncode == 1

        ca = pki / "ca/ca.crt"
        checks = [
            ("no client certificate", lambda: refused(tls_client(broker.port, "nocert", ca))),
            ("certificate from a foreign CA with a kiosk's CN", lambda: refused(tls_client(
                broker.port, "rogue", ca, rogue / "devices/kiosk-a/device.crt", rogue / "devices/kiosk-a/device.key"))),
            ("revoked certificate", lambda: refused(device(broker, pki, "kiosk-revoked"))),
            ("plain MQTT on the TLS port", lambda: not plain_mqtt_accepted(broker.port)),
            ("publish a summary under another device", publish_as_b),
            ("forge a receiver ack", forge_ack),
            ("read another device's sessions and acks", read_others),
            ("take the receiver's client id", take_id("clinic-receiver")),
            ("take another kiosk's client id", take_id("kiosk-b")),
            ("join guessable shared-subscription groups", swallow),
            ("configure a guessable group name", guessable_group),
            ("issue a kiosk certificate with a receiver CN", receiver_like_device_id),
        ]
        failures = []
        held = 0
        for name, attack in checks:
            try:
                ok = attack()
            except Exception as e:  # an attack that crashes the harness is not held
                ok, name = False, f"{name} ({type(e).__name__}: {e})"
            held += ok
            if not ok:
                failures.append(name)
        shutil.rmtree(rogue, ignore_errors=True)
    return len(checks), held, failures


AREAS: dict[str, Callable[[], Result]] = {
    "mqtt messages": area_messages,
    "mqtt tls/acl/identity": area_identity,
}


def main(argv: list[str] | None = None) -> int:
    import logging

    logging.basicConfig(level=logging.ERROR, format="%(name)s %(levelname)s %(message)s")
    names = (argv if argv is not None else sys.argv[1:]) or list(AREAS)
    unknown = [n for n in names if n not in AREAS]
    if unknown:
        print(f"unknown area(s) {unknown}; known: {list(AREAS)}", file=sys.stderr)
        return 2
    total_failed = 0
    for name in names:
        tried, held, failures = AREAS[name]()
        total_failed += tried - held
        print(f"{name:28s} tried {tried:3d}  held {held:3d}  failed {tried - held}")
        for f in failures:
            print(f"    FAILED: {f}")
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main())
