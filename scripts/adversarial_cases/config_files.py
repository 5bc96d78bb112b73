"""Config files: bad values are refused with the key named; folders, FIFOs, huge and deeply nested
files are refused without a traceback or a hang."""
from __future__ import annotations

import os
from pathlib import Path

from scripts.adversarial_cases import Case, check, refused
from scripts.adversarial_cases._common import kiosk, one_line_error

AREA = "config files"

BAD_VALUES = {
    "min_brightness above max": ("[vision]\nmin_brightness = 200.0\nmax_brightness = 100.0\n", "min_brightness"),
    "inf threshold": ("[vision]\nmin_sharpness = inf\n", "vision.min_sharpness"),
    "nan threshold": ("[vision]\nmin_detection_score = nan\n", "vision.min_detection_score"),
    "inf timeout": ("[ui]\nidle_timeout_s = inf\n", "ui.idle_timeout_s"),
    "inf ack timeout": ("[sync]\nack_timeout_s = inf\n", "sync.ack_timeout_s"),
    "reconnect order": ("[sync]\nreconnect_min_s = 50.0\nreconnect_max_s = 1.0\n", "reconnect_min_s"),
    "topic_root wildcard #": ('[sync]\ntopic_root = "clinic/#"\n', "sync.topic_root"),
    "topic_root wildcard +": ('[sync]\ntopic_root = "clinic/+"\n', "sync.topic_root"),
    "topic_root $SYS": ('[sync]\ntopic_root = "$SYS/x"\n', "sync.topic_root"),
    "topic_root empty": ('[sync]\ntopic_root = ""\n', "sync.topic_root"),
    "ui.width huge": ("[ui]\nwidth = 100000000\n", "ui.width"),
    "camera.width huge": ("[camera]\nwidth = 100000000\n", "camera.width"),
    "pin_hash not a hash": ('[ui]\npin_hash = "not-a-hash"\n', "ui.pin_hash"),
    "unknown key": ("[ui]\npin = \"1234\"\n", "ui.pin"),
    "wrong type": ('[vision]\nthreads = "four"\n', "vision.threads"),
    "device_id with slash": ('[device]\ndevice_id = "a/b"\n', "device.device_id"),
    "port 0": ("[sync]\nport = 0\n", "sync.port"),
    "session expiry too long": ("[sync]\nsession_expiry_s = 99999999999\n", "sync.session_expiry_s"),
    "printer with slash": ('[report]\nprinter = "../x"\n', "report.printer"),
}


def _bad_value(name: str, text: str, key: str) -> Case:
    def run(tmp: Path) -> None:
        from kiosk.config import ConfigError, load_config
        p = tmp / "k.toml"
        p.write_text(text)
        refused(lambda: load_config(p), ConfigError, key)
    return Case(name, run, fast=name in ("inf threshold", "topic_root wildcard #", "pin_hash not a hash"))


def _file_case(name: str, make, needle: str, fast: bool = False) -> Case:  # noqa: ANN001
    def run(tmp: Path) -> None:
        from kiosk.config import ConfigError, load_config
        path = make(tmp)
        refused(lambda: load_config(path), ConfigError, needle)
    return Case(name, run, fast)


def _env_case(name: str, make, fast: bool = False) -> Case:  # noqa: ANN001
    """KIOSK_CONFIG pointing at it: the CLI exits 3 with one line, within the timeout (no hang)."""
    def run(tmp: Path) -> None:
        r = kiosk("set-pin", "--pin", "4821", cwd=tmp, env={"KIOSK_CONFIG": str(make(tmp))}, timeout=60)
        problem = one_line_error(r, (3,))
        check(problem is None, problem or "")
    return Case(name, run, fast)


def _write(name: str, data: bytes):  # noqa: ANN202
    def make(tmp: Path) -> Path:
        (tmp / name).write_bytes(data)
        return tmp / name
    return make


def cases() -> list[Case]:
    out = [_bad_value(n, t, k) for n, (t, k) in BAD_VALUES.items()]
    out += [
        _file_case("state_dir is a file", lambda tmp: (tmp / "f").write_text("x") and _write(
            "k.toml", f'[device]\nstate_dir = "{tmp / "f"}"\n'.encode())(tmp), "device.state_dir"),
        _file_case("folder", lambda tmp: tmp, "not a regular file", fast=True),
        _file_case("fifo", lambda tmp: os.mkfifo(tmp / "k.toml") or tmp / "k.toml", "not a regular file"),
        _file_case("binary", _write("k.toml", bytes(range(256)) * 4), "not valid TOML"),
        _file_case("deep nesting", _write("k.toml", b"x = " + b"[" * 3000 + b"]" * 3000), "config file"),
        _file_case("2 MB file", _write("k.toml", b"#" * (2 << 20)), "larger than"),
        _file_case("missing", lambda tmp: tmp / "none.toml", "not found"),
        _env_case("KIOSK_CONFIG folder", lambda tmp: tmp, fast=True),
        _env_case("KIOSK_CONFIG fifo", lambda tmp: os.mkfifo(tmp / "k.toml") or tmp / "k.toml"),
    ]
    return out
