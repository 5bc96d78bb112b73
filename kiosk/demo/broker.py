"""A real Mosquitto broker on a free 127.0.0.1 port, for tests, the bench and the local demo.

Mosquitto 2 facts (docs/wire-format.md#broker): with a config file there is no default
listener, so the config names ``listener <port> 127.0.0.1``; started as root it
switches to the ``mosquitto`` user unless the config says ``user root``; persistence
is on with ``persistence_location`` in the work directory and a short
``autosave_interval`` so restart tests see what a real server keeps.

Extra config lines (TLS, ACL, password file) can be passed for the deployment tests;
``allow_anonymous true`` is added only when ``anonymous=True`` (the default, tests only).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Sequence


class BrokerError(RuntimeError):
    """Mosquitto is missing or did not start; the message says why (with its log tail)."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class MosquittoProcess:
    """Context manager running ``mosquitto -c <generated config>``.

    Parameters
    ----------
    port : listener port; ``None`` picks a free one (kept across restarts).
    workdir : holds the config, the persistence file and the log; a temp dir by default.
    extra_config : further ``mosquitto.conf`` lines (TLS, ACL, limits).
    autosave_interval_s : seconds between persistence saves (a SIGKILL loses at most this much).
    anonymous : add ``allow_anonymous true`` (tests and the local demo only).
    """

    def __init__(self, port: int | None = None, *, workdir: Path | None = None,
                 extra_config: Sequence[str] = (), autosave_interval_s: int = 1,
                 anonymous: bool = True, persistence: bool = True, host: str = "127.0.0.1",
                 binary: str = "mosquitto") -> None:
        self.host = host
        self.port = port or free_port(host)
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="mosquitto-"))
        self.extra_config = list(extra_config)
        self.autosave_interval_s = autosave_interval_s
        self.anonymous = anonymous
        self.persistence = persistence
        self.binary = binary
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def config_path(self) -> Path:
        return self.workdir / "mosquitto.conf"

    @property
    def log_path(self) -> Path:
        return self.workdir / "mosquitto.log"

    def config_text(self) -> str:
        """The generated ``mosquitto.conf``."""
        lines = [f"listener {self.port} {self.host}", "set_tcp_nodelay true"]
        if self.anonymous:
            lines.append("allow_anonymous true")
        if os.geteuid() == 0:
            lines.append("user root")
        if self.persistence:
            lines += ["persistence true", f"persistence_location {self.workdir}/",
                      "persistence_file mosquitto.db", f"autosave_interval {self.autosave_interval_s}"]
        lines += ["log_dest stderr", "log_type error", "log_type warning", "log_type notice"]
        lines += self.extra_config
        return "\n".join(lines) + "\n"

    def start(self, timeout_s: float = 10.0) -> "MosquittoProcess":
        """Write the config and start the broker; return once the port accepts connections."""
        if self.proc is not None and self.proc.poll() is None:
            return self
        if shutil.which(self.binary) is None:
            raise BrokerError(f"{self.binary} not found: install the Debian package 'mosquitto' (scripts/setup)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.config_text(), encoding="utf-8")
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen([self.binary, "-c", str(self.config_path)],
                                         stdout=log, stderr=subprocess.STDOUT)
        finally:
            log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BrokerError(f"mosquitto exited with {self.proc.returncode}: {self.log_tail()}")
            if _port_open(self.host, self.port):
                return self
            time.sleep(0.02)
        self.kill()
        raise BrokerError(f"mosquitto did not listen on {self.host}:{self.port} within {timeout_s} s: {self.log_tail()}")

    def stop(self, timeout_s: float = 10.0) -> None:
        """Graceful stop (SIGTERM): Mosquitto saves its persistence file on the way out."""
        self._signal(signal.SIGTERM, timeout_s)

    def kill(self) -> None:
        """Crash (SIGKILL): anything since the last autosave is lost, as on a power cut."""
        self._signal(signal.SIGKILL, 10.0)

    def restart(self, *, hard: bool = False) -> None:
        """Stop (or kill when ``hard``) and start again on the same port and persistence file."""
        self.kill() if hard else self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n_chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-n_chars:]
        except OSError:
            return "(no log)"

    def _signal(self, sig: int, timeout_s: float) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def __enter__(self) -> "MosquittoProcess":
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)
