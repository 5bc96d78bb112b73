import pytest

from kiosk.cli import main
from kiosk.pin import hash_pin, verify_pin


def test_hash_round_trip_and_salt():
    h1, h2 = hash_pin("482913"), hash_pin("482913")
    assert h1 != h2  # salted
    assert verify_pin("482913", h1) and verify_pin("482913", h2)
    assert not verify_pin("482914", h1)
    assert "482913" not in h1


def test_empty_hash_accepts_only_demo_pin():
    assert verify_pin("1234", "")
    assert not verify_pin("0000", "")


@pytest.mark.parametrize("bad", ["12", "abcd", "1234567890123"])
def test_bad_pins_rejected(bad):
    with pytest.raises(ValueError):
        hash_pin(bad)


def test_garbage_stored_hash_never_verifies():
    assert not verify_pin("1234", "not-a-hash")


def test_cli_prints_a_verifiable_hash(capsys):
    assert main(["set-pin", "--pin", "5678"]) == 0
    out = capsys.readouterr().out
    h = out.split('"')[1]
    assert verify_pin("5678", h)
