"""Nurse/clinician PIN: stored only as a salted scrypt hash, compared in constant time."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

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
