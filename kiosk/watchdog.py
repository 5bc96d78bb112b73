"""systemd notifications (sd_notify) for the kiosk's main loop, without libsystemd.

kiosk-ui.service is ``Type=notify`` with ``WatchdogSec=30``: the UI calls
``notify("READY=1")`` once its first screen is drawn and ``notify("WATCHDOG=1")``
from its main loop (every frame is fine; :func:`watchdog_ping` rate-limits), so a
hung loop is restarted by systemd. Outside systemd ($NOTIFY_SOCKET unset) every
call is a no-op, so the same code runs on a laptop and in tests.
Protocol: one datagram with newline-separated ``KEY=VALUE`` lines to the unix socket
named by $NOTIFY_SOCKET (a leading ``@`` means the abstract namespace); see sd_notify(3).
"""
from __future__ import annotations

import os
import socket
import time

_last_ping_s = 0.0


def notify(state: str) -> bool:
    """Send ``state`` (e.g. ``"READY=1"``, ``"WATCHDOG=1"``, ``"STATUS=..."``) to systemd.

    Returns True when a datagram was sent, False when $NOTIFY_SOCKET is unset or the
    socket could not be reached (a notification failure never stops the kiosk).
    """
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr or not state:
        return False
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.connect(addr)
            s.sendall(state.encode("utf-8"))
        return True
    except OSError:
        return False


def watchdog_interval_s() -> float | None:
    """Half of the unit's WatchdogSec (from $WATCHDOG_USEC), or None when no watchdog is set."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid.isdigit() and int(pid) != os.getpid()):
        return None
    try:
        return int(usec) / 2e6
    except ValueError:
        return None


def watchdog_ping(now_s: float | None = None) -> bool:
    """Send ``WATCHDOG=1`` at most every half watchdog interval (at most 1 Hz without one).

    Call it freely from the main loop; returns True when a ping went out.
    """
    global _last_ping_s
    now = time.monotonic() if now_s is None else now_s
    period = min(watchdog_interval_s() or 1.0, 1.0)
    if now - _last_ping_s < period:
        return False
    _last_ping_s = now
    return notify("WATCHDOG=1")
