"""Nurse/clinician PIN: stored only as a salted scrypt hash, compared in constant time, and entered
only through :class:`PinGate` (one throttle with a growing lockout that survives a restart)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DEMO_PIN = "1234"
_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """Return ``scrypt$<salt b64>$<hash b64>`` for a PIN of 4..12 digits."""
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValueError("a PIN is 4 to 12 digits")
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def pin_hash_problem(stored: str) -> str | None:
    """Why ``stored`` is not a usable ``ui.pin_hash`` (None when it is empty or a well-formed scrypt hash)."""
    if stored == "":
        return None
    parts = stored.split("$")
    if len(parts) != 3 or parts[0] != "scrypt":
        return "not a PIN hash (expected scrypt$<salt>$<hash>)"
    try:
        salt, digest = base64.b64decode(parts[1], validate=True), base64.b64decode(parts[2], validate=True)
    except ValueError:
        return "not a PIN hash (salt or hash is not base64)"
    if len(salt) < 8 or len(digest) < 16:
        return "not a PIN hash (salt or hash too short)"
    return None


def verify_pin(pin: str, stored: str) -> bool:
    """True when ``pin`` matches ``stored``; an empty ``stored`` accepts only the demo PIN."""
    if not stored:
        return hmac.compare_digest(pin.encode(), DEMO_PIN.encode())
    try:
        scheme, salt_b64, hash_b64 = stored.split("$")
        salt, want = base64.b64decode(salt_b64), base64.b64decode(hash_b64)
    except ValueError:
        return False
    if scheme != "scrypt" or not pin.isdigit():
        return False
    got = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=len(want))
    return hmac.compare_digest(got, want)


# -- one throttle for every staff PIN entry (docs/security.md#staff-pin) --------------------------
MAX_FAILS = 5                # wrong PINs in a row before a lockout
BASE_LOCKOUT_S = 30.0        # the first lockout; each further one doubles
MAX_LOCKOUT_S = 3600.0
THROTTLE_FILE = "pin_throttle.json"
TRIVIAL_PINS = ("1234", "0000", "1111", "12345", "123456", "4321", "2580", "9999")


def lockout_s(n: int) -> float:
    """Length of the ``n``-th consecutive lockout (s): 30, 60, 120 ... capped at one hour."""
    return min(BASE_LOCKOUT_S * 2 ** max(n - 1, 0), MAX_LOCKOUT_S)


@dataclass(frozen=True)
class PinAttempt:
    ok: bool
    message: str          # for the screen: empty when ok


class PinGate:
    """Checks staff PINs for every screen that asks for one, with one shared throttle.

    After MAX_FAILS wrong PINs in a row the gate refuses every entry for ``lockout_s(n)`` seconds,
    n counting the lockouts since the last right PIN, so the wait doubles each time. The counters
    live in ``<state_dir>/pin_throttle.json`` (0600), so restarting the kiosk does not reset them.
    ``clock`` is wall-clock seconds (the lockout must survive a restart). On a provisioned kiosk
    with no PIN set, no PIN opens the staff screens (the demo PIN 1234 is for development only).
    """

    def __init__(self, stored_hash: str, state_dir: Path | None, *, provisioned: bool = False,
                 clock: Callable[[], float] = time.time) -> None:
        self.stored_hash, self.provisioned, self.clock = stored_hash, provisioned, clock
        self.path = Path(state_dir) / THROTTLE_FILE if state_dir is not None else None
        self.fails, self.lockouts, self.locked_until = self._load()

    def _load(self) -> tuple[int, int, float]:
        if self.path is None or not self.path.exists():
            return 0, 0, 0.0
        try:
            d = json.loads(self.path.read_text(encoding="utf-8"))
            fails, lockouts, until = int(d["fails"]), int(d["lockouts"]), float(d["locked_until"])
            if not (0 <= fails <= MAX_FAILS and 0 <= lockouts <= 64 and math.isfinite(until)):
                raise ValueError("out of range")
            return fails, lockouts, until
        except (OSError, ValueError, KeyError, TypeError) as e:
            log.warning("PIN throttle file %s unreadable (%s): one more wrong PIN locks", self.path, e)
            return MAX_FAILS - 1, 1, 0.0

    def _save(self) -> None:
        if self.path is None:
            return
        from kiosk.privatefiles import private_dir, write_private
        data = json.dumps({"fails": self.fails, "lockouts": self.lockouts, "locked_until": self.locked_until})
        try:
            private_dir(self.path.parent)
            write_private(self.path, data.encode())
        except OSError as e:           # the throttle still holds for this run
            log.error("cannot save the PIN throttle to %s: %s", self.path, e)

    def unavailable(self) -> str | None:
        """Why no PIN can open the staff screens now (None when a PIN may be entered)."""
        if self.provisioned and not self.stored_hash:
            return "No staff PIN is set on this kiosk. Ask IT to set one (kiosk set-pin)."
        left = self.locked_for()
        if left > 0:
            return f"Too many wrong PINs. Wait {math.ceil(left):.0f} s."
        return None

    def locked_for(self) -> float:
        """Seconds left in the current lockout (0 when not locked)."""
        return max(0.0, self.locked_until - self.clock())

    def check(self, pin: str) -> PinAttempt:
        """Verify ``pin`` through the throttle; a refused entry (locked, no PIN set) is not counted."""
        why = self.unavailable()
        if why:
            return PinAttempt(False, why)
        if verify_pin(pin, self.stored_hash):
            self.fails, self.lockouts, self.locked_until = 0, 0, 0.0
            self._save()
            return PinAttempt(True, "")
        self.fails += 1
        if self.fails >= MAX_FAILS:
            self.fails, self.lockouts = 0, self.lockouts + 1
            self.locked_until = self.clock() + lockout_s(self.lockouts)
            self._save()
            return PinAttempt(False, f"Too many wrong PINs. Wait {lockout_s(self.lockouts):.0f} s.")
        self._save()
        return PinAttempt(False, "Wrong PIN. Please try again.")


def pin_policy_problem(stored_hash: str, provisioned: bool) -> tuple[str, str] | None:
    """('FAIL'|'WARN', why) when the configured PIN is missing, the demo PIN or a trivial one; else None."""
    if not stored_hash:
        if provisioned:
            return "FAIL", "no staff PIN set: the staff screens stay locked; set one with `kiosk set-pin`"
        return "WARN", f"no staff PIN set: the demo PIN {DEMO_PIN} opens the staff screens; set one with `kiosk set-pin`"
    problem = pin_hash_problem(stored_hash)
    if problem:
        return "FAIL", problem
    for trivial in TRIVIAL_PINS:
        if verify_pin(trivial, stored_hash):
            return "FAIL", f"the staff PIN is a default or trivial PIN ({'demo PIN' if trivial == DEMO_PIN else 'easy to guess'}); set another with `kiosk set-pin`"
    return None
