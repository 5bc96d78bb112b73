from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import DEFAULT_CONFIG, ConfigError, KioskConfig, load_config


def test_default_file_matches_model_defaults():
    cfg = load_config(DEFAULT_CONFIG)
    assert cfg.device.device_id == "kiosk-dev"
    assert cfg.vision.iris_diameter_mm == pytest.approx(11.7)
    assert cfg.sync.port == 1883
    assert cfg == KioskConfig(), "device_config/kiosk.toml should restate the built-in defaults"


def test_typo_in_key_is_an_error_naming_the_key(tmp_path: Path):
    p = tmp_path / "k.toml"
    p.write_text("[vision]\nthreds = 4\n")
    with pytest.raises(ConfigError, match=r"vision\.threds"):
        load_config(p)


def test_out_of_range_value_is_an_error(tmp_path: Path):
    p = tmp_path / "k.toml"
    p.write_text("[vision]\nthreads = 0\n")
    with pytest.raises(ConfigError, match=r"vision\.threads"):
        load_config(p)


def test_corrupt_file_gives_clear_message_and_exit_code(tmp_path: Path, capsys):
    p = tmp_path / "k.toml"
    p.write_bytes(b"[device\n\xff\xfe garbage")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(p)
    # the CLI turns it into a message and a non-zero exit, touching nothing
    rc = main(["--config", str(p), "set-pin", "--pin", "1234"])
    assert rc == 3
    assert "not valid TOML" in capsys.readouterr().err

