"""Issue 13 item 9: bad configuration is refused with the key named, never a traceback or a hang,
and `kiosk doctor` cannot report 0 failed on it (it does not start)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent

BAD = {
    "brightness_order": ("[vision]\nmin_brightness = 200.0\nmax_brightness = 100.0\n", r"vision: .*min_brightness \(200\) must be below max_brightness \(100\)"),
    "inf_sharpness": ("[vision]\nmin_sharpness = inf\n", r"vision\.min_sharpness: .*finite"),
    "inf_idle": ("[ui]\nidle_timeout_s = inf\n", r"ui\.idle_timeout_s"),
    "nan_ack": ("[sync]\nack_timeout_s = nan\n", r"sync\.ack_timeout_s"),
    "inf_reconnect": ("[sync]\nreconnect_max_s = inf\n", r"sync\.reconnect_max_s"),
    "reconnect_order": ("[sync]\nreconnect_min_s = 20.0\nreconnect_max_s = 5.0\n", r"sync: .*reconnect_min_s"),
    "topic_wildcard": ('[sync]\ntopic_root = "clinic/#"\n', r"sync\.topic_root"),
    "topic_plus": ('[sync]\ntopic_root = "+/x"\n', r"sync\.topic_root"),
    "topic_sys": ('[sync]\ntopic_root = "$SYS"\n', r"sync\.topic_root"),
    "topic_empty_level": ('[sync]\ntopic_root = "clinic//a"\n', r"sync\.topic_root"),
    "ui_width": ("[ui]\nwidth = 100000000\n", r"ui\.width"),
    "camera_height": ("[camera]\nheight = 100000000\n", r"camera\.height"),
    "pin_hash": ('[ui]\npin_hash = "not-a-hash"\n', r"ui\.pin_hash: .*not a PIN hash"),
    "pin_hash_b64": ('[ui]\npin_hash = "scrypt$!!!$???"\n', r"ui\.pin_hash"),
    "mesh_threads": ("[vision]\nthreads = 1\nmesh_threads = 4\n", r"vision: .*mesh_threads"),
    "session_expiry": ("[sync]\nsession_expiry_s = 99999999999\n", r"sync\.session_expiry_s"),
    "printer": ('[report]\nprinter = "a b/c"\n', r"report\.printer"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_value_is_refused_with_the_key(tmp_path: Path, case: str) -> None:
    text, pattern = BAD[case]
    p = tmp_path / "k.toml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=pattern):
        load_config(p)


def test_state_dir_pointing_at_a_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    p = tmp_path / "k.toml"
    p.write_text(f'[device]\nstate_dir = "{tmp_path / "afile"}"\n')
    with pytest.raises(ConfigError, match=r"device\.state_dir: .*exists and is not a directory"):
        load_config(p)
    p.write_text(f'[device]\nstate_dir = "{tmp_path / "afile" / "below"}"\n')
    with pytest.raises(ConfigError, match=r"device\.state_dir: .*cannot be created"):
        load_config(p)


def _cli(env_config: str, *argv: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), KIOSK_CONFIG=env_config)
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *argv], capture_output=True, text=True, env=env,
                          timeout=60)


def test_kiosk_config_pointing_to_a_folder_or_fifo(tmp_path: Path) -> None:
    r = _cli(str(tmp_path), "set-pin", "--pin", "4821")
    assert r.returncode == 3 and "Traceback" not in r.stderr
    assert f"config file {tmp_path} is not a regular file" in r.stderr
    fifo = tmp_path / "k.toml"
    os.mkfifo(fifo)
    r = _cli(str(fifo), "set-pin", "--pin", "4821")          # used to block forever in read_text()
    assert r.returncode == 3 and "is not a regular file" in r.stderr


@pytest.mark.parametrize("case", ["brightness_order", "inf_sharpness", "topic_wildcard", "ui_width", "pin_hash"])
def test_doctor_does_not_pass_a_bad_config(tmp_path: Path, case: str) -> None:
    p = tmp_path / "k.toml"
    p.write_text(BAD[case][0])
    r = _cli(str(p), "doctor", "--skip", "models,camera,microphone,broker,certificates")
    assert r.returncode == 3 and "0 failed" not in r.stdout and "Traceback" not in r.stderr
    assert r.stderr.startswith("kiosk: config file") and "\n" not in r.stderr.strip()


def test_huge_or_deep_files_are_refused(tmp_path: Path) -> None:
    p = tmp_path / "k.toml"
    p.write_text("x = [" * 5000 + "]" * 5000)
    with pytest.raises(ConfigError):
        load_config(p)
    p.write_text("# " + "x" * (2 << 20))
    with pytest.raises(ConfigError, match="larger than"):
        load_config(p)
