"""systemd units: `systemd-analyze verify` on each unit file, byte for byte.

The units name their real install paths (/usr/bin/cage, /opt/kiosk/.venv/bin/...), which
do not exist on a CI machine. Instead of rewriting the units, each test builds a temporary
root (``--root``) holding: the unit file unchanged, a copy of this machine's systemd unit
directory (targets such as graphical.target), and an executable stand-in at every path the
unit's ExecStart names. verify then checks every key, section and dependency of the real
file; any warning it prints (unknown key, bad value) fails the test, not only its exit code.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk import watchdog

ROOT = Path(__file__).resolve().parent.parent
UNITS = ("kiosk-ui.service", "kiosk-sync.service", "clinic-receiver.service", "clinic-web.service")
SYSTEM_UNITS = Path("/usr/lib/systemd/system")

pytestmark = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")


def exec_paths(unit_text: str) -> list[str]:
    """Absolute executables named on ExecStart= lines (cage's -- child included)."""
    paths = []
    for line in unit_text.splitlines():
        if line.startswith("ExecStart="):
            paths += [w for w in line.split("=", 1)[1].split() if w.startswith("/")]
    return paths


def make_root(tmp: Path, unit: str) -> Path:
    root = tmp / "root"
    (root / "etc/systemd/system").mkdir(parents=True)
    (root / "usr/lib/systemd").mkdir(parents=True)
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    text = (ROOT / "systemd" / unit).read_text(encoding="utf-8")
    (root / "etc/systemd/system" / unit).write_text(text, encoding="utf-8")
    for p in exec_paths(text):
        stand_in = root / p.lstrip("/")
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        stand_in.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        stand_in.chmod(0o755)
    return root


def verify(root: Path, unit: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemd-analyze", "verify", "--man=no", "--generators=no", f"--root={root}", unit],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("unit", UNITS)
def test_unit_verifies_cleanly(tmp_path: Path, unit: str) -> None:
    r = verify(make_root(tmp_path, unit), unit)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "", f"systemd-analyze warned about {unit}:\n{r.stderr}"


def test_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    """The check above can fail: a misspelt key and a missing binary are both reported."""
    unit = "kiosk-sync.service"
    root = make_root(tmp_path, unit)
    path = root / "etc/systemd/system" / unit
    path.write_text(path.read_text().replace("NoNewPrivileges=yes", "NoNewPrivilege=yes"))
    r = verify(root, unit)
    assert "Unknown key" in r.stderr and "NoNewPrivilege" in r.stderr
    (root / "opt/kiosk/.venv/bin/kiosk-sync").unlink()
    assert verify(root, unit).returncode != 0


def test_units_declare_the_required_settings() -> None:
    ui = (ROOT / "systemd/kiosk-ui.service").read_text()
    assert "ExecStart=/usr/bin/cage -- /opt/kiosk/.venv/bin/kiosk run" in ui
    for key in ("Type=notify", "NotifyAccess=all", "WatchdogSec=", "Restart=always", "User=kiosk",
                "TTYPath=/dev/tty1", "SupplementaryGroups=video render input audio"):
        assert key in ui, key
    for unit in UNITS:
        text = (ROOT / "systemd" / unit).read_text()
        for key in ("StateDirectory=", "ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes"):
            assert key in text, f"{unit}: {key}"


def test_watchdog_notify_reaches_a_unix_datagram_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """kiosk.watchdog speaks sd_notify: a datagram with the state to $NOTIFY_SOCKET."""
    import socket

    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert watchdog.notify("READY=1") is False              # outside systemd: no-op
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as srv:
        srv.bind(str(path))
        srv.settimeout(2)
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        assert watchdog.notify("READY=1") is True
        assert srv.recv(256) == b"READY=1"
        monkeypatch.setenv("WATCHDOG_USEC", "30000000")     # WatchdogSec=30 -> ping every <= 1 s
        assert watchdog.watchdog_interval_s() == 15.0
        assert watchdog.watchdog_ping(now_s=1e6) is True
        assert srv.recv(256) == b"WATCHDOG=1"
        assert watchdog.watchdog_ping(now_s=1e6 + 0.1) is False   # rate-limited
    path.unlink()
    assert watchdog.notify("WATCHDOG=1") is False            # systemd gone: failure is not fatal
