"""Silence native libraries' chatter on stderr while a device is probed.

ALSA, JACK (through PortAudio) and OpenCV's V4L2 backend print dozens of lines to file
descriptor 2 when they look for devices that are not there. The kiosk turns the outcome
into one clear message of its own (CameraUnavailable / MicrophoneUnavailable), so the
noise is dropped while probing. Python's own exceptions still propagate.
"""
from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Point fd 2 at /dev/null for the duration of the block (no-op if fd 2 is not usable)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
