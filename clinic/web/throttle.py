"""Login rate limit with a lockout that grows (per submitted user name, stored in the database).

The first :data:`FREE_FAILURES` wrong passwords cost nothing; every further failure locks
the name for ``BASE_LOCK_S * 2 ** (failures - FREE_FAILURES)`` seconds, capped at
:data:`MAX_LOCK_S` (30 s, 60 s, 2 min, ... 1 h). While locked, even the right password is
refused (without checking it, so the lock also bounds hashing work). A success resets the
count, and so does a day without failures. Keyed by user name rather than address: behind the reverse proxy every client has
the proxy's address, and a name is what a guesser attacks. State is in ``web_login_throttle``,
so every worker sees the same counts.
"""
from __future__ import annotations

from datetime import datetime, timedelta


FREE_FAILURES = 4
BASE_LOCK_S = 30.0
MAX_LOCK_S = 3600.0


def lock_seconds(failures: int) -> float:
    """Lockout (s) earned by ``failures`` consecutive wrong passwords (pure)."""
    if failures <= FREE_FAILURES:
        return 0.0
    return min(MAX_LOCK_S, BASE_LOCK_S * 2 ** (failures - FREE_FAILURES - 1))


def _key(username: str) -> str:
    return "user:" + username.strip().lower()[:150]


def locked_for(username: str, now: datetime | None = None) -> float:
    """Seconds the name is still locked (0 = may try)."""
    from django.utils import timezone
    from clinic.web.models import LoginThrottle
    now = now or timezone.now()
    row = LoginThrottle.objects.filter(key=_key(username)).first()
    if row is None or row.locked_until is None or row.locked_until <= now:
        return 0.0
    return (row.locked_until - now).total_seconds()


def record_failure(username: str, now: datetime | None = None) -> float:
    """Count a wrong password; return the lockout (s) it started (0 = none yet)."""
    from django.db import transaction
    from django.utils import timezone
    from clinic.web.models import LoginThrottle
    now = now or timezone.now()
    with transaction.atomic():
        # forget names whose last failure is a day old and not locked (guessed names do not pile up)
        LoginThrottle.objects.filter(last_failure__lt=now - timedelta(days=1)).exclude(locked_until__gt=now).delete()
        row, _ = LoginThrottle.objects.select_for_update().get_or_create(key=_key(username))
        row.failures += 1
        row.last_failure = now
        lock = lock_seconds(row.failures)
        row.locked_until = now + timedelta(seconds=lock) if lock else None
        row.save()
    return lock


def record_success(username: str) -> None:
    from clinic.web.models import LoginThrottle
    LoginThrottle.objects.filter(key=_key(username)).delete()
