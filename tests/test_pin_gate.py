"""Issue 13 item 7: one throttle for every staff PIN entry (PIN screen and the nurse pause screen),
a lockout that doubles and survives a restart, no demo PIN on a provisioned kiosk, doctor flags
a missing, default or trivial PIN."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.commands.doctor import FAIL, OK, WARN, check_pin
from kiosk.config import KioskConfig
from kiosk.pin import MAX_FAILS, PinGate, hash_pin, lockout_s

HASH = hash_pin("482913")
ROOT = Path(__file__).resolve().parent.parent


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


def _fail(gate: PinGate, n: int) -> list[str]:
    return [gate.check("000000").message for _ in range(n)]


def test_lockout_doubles_and_survives_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    gate = PinGate(HASH, tmp_path, clock=clock)
    msgs = _fail(gate, MAX_FAILS)
    assert msgs[:-1] == ["Wrong PIN. Please try again."] * (MAX_FAILS - 1)
    assert msgs[-1] == "Too many wrong PINs. Wait 30 s."
    assert not gate.check("482913").ok                      # even the right PIN is refused while locked
    restarted = PinGate(HASH, tmp_path, clock=clock)        # a restart does not clear the lockout
    assert restarted.locked_for() == pytest.approx(30.0)
    assert restarted.check("482913").message == "Too many wrong PINs. Wait 30 s."
    clock.t += 31
    assert _fail(restarted, MAX_FAILS)[-1] == "Too many wrong PINs. Wait 60 s."    # the second lockout doubles
    clock.t += 61
    assert _fail(PinGate(HASH, tmp_path, clock=clock), MAX_FAILS)[-1] == "Too many wrong PINs. Wait 120 s."
    assert [lockout_s(n) for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]
    clock.t += 121
    gate = PinGate(HASH, tmp_path, clock=clock)
    assert gate.check("482913").ok and gate.lockouts == 0 and gate.fails == 0     # a right PIN resets
    assert stat.S_IMODE((tmp_path / "pin_throttle.json").stat().st_mode) == 0o600


def test_tampered_throttle_file_does_not_unlock(tmp_path: Path) -> None:
    (tmp_path / "pin_throttle.json").write_text("{garbage")
    gate = PinGate(HASH, tmp_path, clock=Clock())
    assert gate.check("1").message.startswith("Too many wrong PINs")    # one more wrong PIN locks


def test_provisioned_kiosk_without_pin_accepts_no_pin(tmp_path: Path) -> None:
    gate = PinGate("", tmp_path, provisioned=True, clock=Clock())
    for pin in ("1234", "0000"):
        r = gate.check(pin)
        assert not r.ok and "No staff PIN is set" in r.message
    assert PinGate("", tmp_path, provisioned=False, clock=Clock()).check("1234").ok    # development only


def _cfg(pin_hash: str, provisioned: bool) -> KioskConfig:
    return KioskConfig.model_validate({"device": {"provisioned": provisioned}, "ui": {"pin_hash": pin_hash}})


def test_doctor_flags_missing_default_and_trivial_pins() -> None:
    assert check_pin(_cfg("", True))[0].status == FAIL
    assert check_pin(_cfg("", False))[0].status == WARN and "demo PIN 1234" in check_pin(_cfg("", False))[0].detail
    assert check_pin(_cfg(hash_pin("1234"), True))[0].status == FAIL
    assert "trivial" in check_pin(_cfg(hash_pin("0000"), True))[0].detail
    assert check_pin(_cfg(HASH, True))[0].status == OK


def test_provision_device_writes_a_provisioned_config_without_demo_pin(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "provision_device"), "kiosk-p", "--pki",
                        str(tmp_path / "pki")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    toml = tmp_path / "pki" / "devices" / "kiosk-p" / "kiosk.toml"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "kiosk.cli", "--config", str(toml), "doctor", "--json", "--skip",
                        "models,camera,microphone,database,disk,broker,certificates"],
                       capture_output=True, text=True, env=env, timeout=120)
    checks = {c["name"]: c for c in json.loads(r.stdout)}
    assert r.returncode == 1 and checks["pin"]["status"] == FAIL and "no staff PIN" in checks["pin"]["detail"]
