"""`kiosk doctor`: is this kiosk ready? One line per check (OK / WARN / FAIL), exit 1 on any FAIL.

Checks: the platform (Raspberry Pi OS based on Debian 12, Python 3.11; kiosk/platform_check.py),
models present with their pinned sha256, which landmark path runs, staff PIN set and not a
default one, camera delivers a frame, the picamera2 import chain (numpy in use, where simplejpeg
came from), microphone
records, database passes ``PRAGMA integrity_check``, free disk in the state directory,
broker accepts an MQTT v5 connection with this device's credentials, days left on the
device and CA certificates. A missing device is a failed check with a reason, never a
crash. Run it with the kiosk UI stopped: the camera and microphone may be busy otherwise.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from kiosk.config import KioskConfig

OK, WARN, FAIL = "OK", "WARN", "FAIL"
FREE_FAIL_MB, FREE_WARN_MB = 200, 1024      # below 200 MB a session may not fit; warn below 1 GB
CERT_WARN_DAYS = 30


@dataclass(frozen=True)
class Check:
    name: str
    status: str      # OK, WARN, FAIL
    detail: str


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--skip", default="", help="comma-separated checks to skip (platform, models, camera, camera_chain, "
                   "microphone, database, disk, broker, certificates)")
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the camera or broker")


def check_models(config: KioskConfig) -> list[Check]:
    from kiosk.vision.models import check_models as verify
    from kiosk.vision.refined import landmark_path_check
    path_ok, path = landmark_path_check(config.vision)
    return [Check(f"model {m.name}", OK if m.ok else FAIL, m.detail) for m in verify(config.vision.model_dir)] + \
        [Check("landmark path", OK if path_ok else WARN, path)]


def check_camera(config: KioskConfig, timeout_s: float) -> list[Check]:
    from kiosk.capture.camera import CameraUnavailable, open_camera
    c = config.camera
    try:
        cam = open_camera(c)
    except CameraUnavailable as e:
        return [Check("camera", FAIL, str(e))]
    try:
        frame, deadline = None, time.monotonic() + timeout_s
        while frame is None and time.monotonic() < deadline:
            frame = cam.read()
            if frame is None and c.source == "replay":
                break
        if frame is None:
            return [Check("camera", FAIL, f"{c.source} {c.device!r} opened but gave no frame within {timeout_s:g} s")]
        h, w = frame.rgb.shape[:2]
        status = OK if (w, h) == (c.width, c.height) or c.source == "replay" else WARN
        return [Check("camera", status, f"{c.source} {c.device!r}: {w}x{h} px frame"
                      + ("" if status == OK else f" (configured {c.width}x{c.height})"))]
    except CameraUnavailable as e:
        return [Check("camera", FAIL, str(e))]
    finally:
        cam.close()


def check_platform() -> list[Check]:
    from kiosk.platform_check import this_platform
    v = this_platform()
    return [Check("platform", OK if v.ok else FAIL, v.detail)]


def check_camera_chain(config: KioskConfig, machine: str | None = None) -> list[Check]:
    """numpy, simplejpeg and picamera2 as this interpreter imports them. Missing simplejpeg or
    picamera2 fails only where the Pi camera is used (aarch64 or camera source picamera2)."""
    import platform

    from kiosk.platform_check import camera_chain
    links = {link.module: link for link in camera_chain()}
    needed = (machine or platform.machine()) == "aarch64" or config.camera.source == "picamera2"
    out = []
    for name in ("numpy", "simplejpeg", "picamera2"):
        link = links[name]
        if link.works:
            extra = ", JPEG round trip ok" if name == "simplejpeg" else ""
            out.append(Check(name, OK, f"{link.version or 'version ?'} from the {link.origin} ({link.path}){extra}"))
        elif link.origin == "absent":
            why = ("needed for the Pi camera" if needed else
                   f"only the Pi camera needs it; camera source is {config.camera.source!r}")
            fix = {"simplejpeg": " (pip install '.[pi]': 1.9.0, built for numpy 2)",
                   "picamera2": " (apt install python3-picamera2; venv with --system-site-packages)"}.get(name, "")
            out.append(Check(name, FAIL if needed else OK, f"not installed: {why}" + (fix if needed else "")))
        else:
            out.append(Check(name, FAIL, f"import failed: {link.path}"))
    return out


def check_microphone(config: KioskConfig) -> list[Check]:
    import numpy as np

    from kiosk.capture.audio import MicrophoneUnavailable, open_microphone
    try:
        with open_microphone(config.audio) as mic:
            rec = mic.record(0.3)
    except MicrophoneUnavailable as e:
        return [Check("microphone", FAIL, str(e))]
    x = np.asarray(rec.samples, dtype=np.float64)
    if x.size == 0:
        return [Check("microphone", FAIL, "recorded no samples")]
    peak = float(np.max(np.abs(x)))
    rms_db = 20 * np.log10(max(float(np.sqrt(np.mean(x ** 2))), 1e-10))
    if peak == 0.0:
        return [Check("microphone", WARN, f"{rec.sample_rate_hz} Hz but pure digital silence: muted or unplugged?")]
    return [Check("microphone", OK, f"{rec.sample_rate_hz} Hz, level {rms_db:.1f} dBFS over 0.3 s")]


def check_database(config: KioskConfig) -> list[Check]:
    from kiosk.store.db import DB_NAME, StoreError, integrity_ok
    path = Path(config.device.state_dir) / DB_NAME
    if not path.exists():
        return [Check("database", WARN, f"{path} does not exist yet (created by the first session)")]
    try:
        ok, detail = integrity_ok(path)
    except StoreError as e:          # busy, full, read-only, I/O: not a verdict on the file
        return [Check("database", FAIL, str(e))]
    return [Check("database", OK if ok else FAIL,
                  f"{path}: integrity_check {detail}" + ("" if ok else " (the kiosk will move it aside at start)"))]


def check_disk(config: KioskConfig) -> list[Check]:
    path = Path(config.device.state_dir).resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    u = shutil.disk_usage(path)
    free_mb, pct = u.free / 2**20, 100.0 * u.free / u.total
    status = FAIL if free_mb < FREE_FAIL_MB else WARN if free_mb < FREE_WARN_MB or pct < 10 else OK
    return [Check("disk", status, f"{free_mb:,.0f} MB free ({pct:.0f} %) on {path}")]


def check_broker(config: KioskConfig, timeout_s: float) -> list[Check]:
    """A real MQTT v5 CONNECT with the device's credentials (its own client id, no will).

    The production broker sets the client id from the certificate (use_username_as_clientid), so
    this connection takes over a running kiosk-sync session. It therefore connects the way
    kiosk-sync does: ``clean_start=False`` with the same Session Expiry Interval, so the broker
    keeps the device's session (and anything queued for it) when the check disconnects, and it
    acknowledges nothing it is handed."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    s = config.sync
    if not s.enabled:
        return [Check("broker", OK, "sync disabled in the config: not checked")]
    where = f"{s.host}:{s.port}" + (" (TLS)" if s.tls else " (plain)")
    # manual_ack and never acking: an ack queued for kiosk-sync that the broker hands to this
    # connection stays unacknowledged, so the broker delivers it again to kiosk-sync.
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{config.device.device_id}-doctor",
                         protocol=mqtt.MQTTv5, manual_ack=True)
    result: list[str] = []
    done = threading.Event()

    def on_connect(c, userdata, flags, rc, props):  # type: ignore[no-untyped-def]
        result.append("" if not rc.is_failure else f"refused: {rc}")
        done.set()
    client.on_connect = on_connect
    client.on_disconnect = lambda *a: (result.append(f"disconnected: {a[3]}"), done.set())
    try:
        if s.username:
            client.username_pw_set(s.username, s.password)
        if s.tls:
            client.tls_set(ca_certs=_str(s.ca_file), certfile=_str(s.cert_file), keyfile=_str(s.key_file))
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = s.session_expiry_s
        client.connect(s.host, s.port, keepalive=10, clean_start=False, properties=props)
    except (OSError, ValueError) as e:   # refused, unreachable, TLS handshake or unreadable key
        return [Check("broker", FAIL, f"{where}: {type(e).__name__}: {e}")]
    client.loop_start()
    try:
        if not done.wait(timeout_s):
            return [Check("broker", FAIL, f"{where}: no CONNACK within {timeout_s:g} s")]
        if result[0]:
            return [Check("broker", FAIL, f"{where}: {result[0]}")]
        return [Check("broker", OK, f"{where}: MQTT v5 connection accepted")]
    finally:
        client.disconnect()
        client.loop_stop()


def _str(p: Path | None) -> str | None:
    return str(p) if p else None


def cert_days_left(path: Path) -> float:
    """Days until the certificate's notAfter (negative when expired); via the openssl CLI."""
    r = subprocess.run(["openssl", "x509", "-in", str(path), "-noout", "-enddate"],
                       capture_output=True, text=True, timeout=10)
    if r.returncode != 0:
        raise ValueError(r.stderr.strip() or "not a PEM certificate")
    end = datetime.strptime(r.stdout.strip().split("=", 1)[1], "%b %d %H:%M:%S %Y %Z").replace(tzinfo=timezone.utc)
    return (end - datetime.now(timezone.utc)).total_seconds() / 86400


def check_certificates(config: KioskConfig) -> list[Check]:
    s = config.sync
    if not (s.enabled and s.tls):
        return [Check("certificates", OK if not s.enabled else WARN,
                      "sync disabled" if not s.enabled else "TLS off: production needs [sync] tls = true")]
    out = []
    for label, path in (("device certificate", s.cert_file), ("CA certificate", s.ca_file)):
        if path is None:
            out.append(Check(label, FAIL, "not configured ([sync] cert_file / ca_file)"))
            continue
        try:
            days = cert_days_left(Path(path))
        except (OSError, ValueError) as e:
            out.append(Check(label, FAIL, f"{path}: {e}"))
            continue
        status = FAIL if days < 0 else WARN if days < CERT_WARN_DAYS else OK
        out.append(Check(label, status, f"{path}: " + (f"expired {-days:.0f} days ago" if days < 0 else
                                                       f"{days:.0f} days left")))
        if label == "device certificate":
            out.append(_identity_check(Path(path), config.device.device_id))
    if s.key_file is not None:
        out.append(_key_check(Path(s.key_file)))
    return out


def cert_common_name(path: Path) -> str | None:
    """The subject CN of a PEM certificate (openssl CLI), or None."""
    r = subprocess.run(["openssl", "x509", "-in", str(path), "-noout", "-subject", "-nameopt", "multiline"],
                       capture_output=True, text=True, timeout=10)
    cns = [ln.split("=", 1)[1].strip() for ln in r.stdout.splitlines() if ln.strip().startswith("commonName")]
    return cns[0] if r.returncode == 0 and cns else None


def _identity_check(cert: Path, device_id: str) -> Check:
    """The broker ACL lets a kiosk publish only under clinic/<certificate CN>/: CN must be the device id.
    (A mismatch is silent at run time: Mosquitto answers each publish 'Not authorized' and drops it.)"""
    cn = cert_common_name(cert)
    if cn == device_id:
        return Check("identity", OK, f"certificate CN {cn} = device id")
    return Check("identity", FAIL, f"certificate CN {cn!r} != [device] device_id {device_id!r}: the broker "
                                   f"will refuse every session published under clinic/{device_id}/")


def _key_check(key: Path) -> Check:
    try:
        mode = stat.S_IMODE(key.stat().st_mode)
    except OSError as e:
        return Check("device key", FAIL, f"{key}: {e.strerror}")
    if not os.access(key, os.R_OK):
        return Check("device key", FAIL, f"{key}: not readable by this user")
    if mode & 0o077:
        return Check("device key", WARN, f"{key}: mode {mode:04o}, should be 0600")
    return Check("device key", OK, f"{key}: mode {mode:04o}")


def check_pin(config: KioskConfig) -> list[Check]:
    """The staff PIN: FAIL when missing on a provisioned kiosk or a default/trivial PIN; WARN for the demo PIN."""
    from kiosk.pin import pin_policy_problem
    problem = pin_policy_problem(config.ui.pin_hash, config.device.provisioned)
    if problem:
        return [Check("pin", problem[0], problem[1])]
    return [Check("pin", OK, "set (scrypt hash), not a default or trivial PIN")]


def run_checks(config: KioskConfig, skip: set[str], timeout_s: float) -> list[Check]:
    """Every check not in ``skip``; an unexpected error in one check is that check's FAIL."""
    checks: list[tuple[str, Callable[[], list[Check]]]] = [
        ("platform", check_platform),
        ("models", lambda: check_models(config)),
        ("camera", lambda: check_camera(config, timeout_s)),
        ("camera_chain", lambda: check_camera_chain(config)),
        ("microphone", lambda: check_microphone(config)),
        ("pin", lambda: check_pin(config)),
        ("database", lambda: check_database(config)),
        ("disk", lambda: check_disk(config)),
        ("broker", lambda: check_broker(config, timeout_s)),
        ("certificates", lambda: check_certificates(config)),
    ]
    out: list[Check] = []
    for name, fn in checks:
        if name in skip:
            continue
        try:
            out.extend(fn())
        except Exception as e:  # a broken driver or library must not hide the other checks
            out.append(Check(name, FAIL, f"check crashed: {type(e).__name__}: {e}"))
    return out


def run(args: argparse.Namespace, config: KioskConfig) -> int:
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    checks = run_checks(config, skip, args.timeout)
    if args.json:
        print(json.dumps([asdict(c) for c in checks], indent=1))
    else:
        width = max((len(c.name) for c in checks), default=10)
        for c in checks:
            print(f"{c.status:<4}  {c.name:<{width}}  {c.detail}")
    failed = sum(c.status == FAIL for c in checks)
    if not args.json:
        print(f"{len(checks)} checks: {failed} failed, {sum(c.status == WARN for c in checks)} warnings")
    return 1 if failed else 0
