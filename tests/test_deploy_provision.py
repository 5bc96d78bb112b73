"""scripts/provision_device: a clinic CA and certificates that openssl verifies, keys 0600,
no silent overwrite, revocation into the CRL, and a device bundle kiosk.toml that loads."""
from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import load_config

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "provision_device"


def provision(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


def openssl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=30)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("pki")
    r = provision("kiosk-a", "--pki", str(d), "--broker-host", "broker.clinic.test,127.0.0.1", "--clinic", "Test Clinic")
    assert r.returncode == 0, r.stderr
    return d


def subject_cn(cert: Path) -> str:
    out = openssl("x509", "-in", str(cert), "-noout", "-subject", "-nameopt", "multiline").stdout
    return next(line.split("=", 1)[1].strip() for line in out.splitlines() if "commonName" in line)


def test_certificates_verify_against_the_clinic_ca(pki: Path) -> None:
    ca = pki / "ca" / "ca.crt"
    certs = [pki / "devices/kiosk-a/device.crt", pki / "server/server.crt", pki / "receiver/receiver.crt"]
    r = openssl("verify", "-CAfile", str(ca), *map(str, certs))
    assert r.returncode == 0, r.stderr
    assert [line.endswith(": OK") for line in r.stdout.splitlines()] == [True] * 3
    assert subject_cn(certs[0]) == "kiosk-a"
    assert subject_cn(certs[2]) == "clinic-receiver"
    assert openssl("verify", "-purpose", "sslclient", "-CAfile", str(ca), str(certs[0])).returncode == 0
    assert openssl("verify", "-purpose", "sslserver", "-CAfile", str(ca), str(certs[1])).returncode == 0
    assert openssl("verify", "-purpose", "sslserver", "-CAfile", str(ca), str(certs[0])).returncode != 0
    san = openssl("x509", "-in", str(certs[1]), "-noout", "-ext", "subjectAltName").stdout
    assert "DNS:broker.clinic.test" in san and "IP Address:127.0.0.1" in san


def test_private_keys_are_0600_and_match_their_certificates(pki: Path) -> None:
    keys = sorted(pki.rglob("*.key"))
    assert {k.name for k in keys} == {"ca.key", "server.key", "receiver.key", "device.key"}
    for k in keys:
        assert stat.S_IMODE(k.stat().st_mode) == 0o600, k
    key, crt = pki / "devices/kiosk-a/device.key", pki / "devices/kiosk-a/device.crt"
    pub_key = openssl("pkey", "-in", str(key), "-pubout").stdout
    pub_crt = openssl("x509", "-in", str(crt), "-noout", "-pubkey").stdout
    assert pub_key and pub_key == pub_crt


def test_refuses_to_overwrite_without_force_and_revokes_on_force(pki: Path) -> None:
    key = pki / "devices/kiosk-a/device.key"
    before = key.read_bytes()
    ca_before = (pki / "ca/ca.key").read_bytes()
    r = provision("kiosk-a", "--pki", str(pki))
    assert r.returncode == 1 and "refusing to overwrite" in r.stderr
    assert key.read_bytes() == before
    old_crt = pki / "old.crt"
    old_crt.write_bytes((pki / "devices/kiosk-a/device.crt").read_bytes())
    r = provision("kiosk-a", "--pki", str(pki), "--force", "--broker-host", "broker.clinic.test", "--clinic", "Test Clinic")
    assert r.returncode == 0, r.stderr
    assert key.read_bytes() != before and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert (pki / "ca/ca.key").read_bytes() == ca_before            # the CA is made once, never again
    ca, crl = str(pki / "ca/ca.crt"), str(pki / "ca/ca.crl")
    old = openssl("verify", "-crl_check", "-CAfile", ca, "-CRLfile", crl, str(old_crt))
    assert old.returncode != 0 and "revoked" in (old.stdout + old.stderr)
    new = openssl("verify", "-crl_check", "-CAfile", ca, "-CRLfile", crl, str(pki / "devices/kiosk-a/device.crt"))
    assert new.returncode == 0, new.stderr


def test_revoke_puts_the_device_on_the_crl(pki: Path) -> None:
    assert provision("kiosk-gone", "--pki", str(pki)).returncode == 0
    crt = str(pki / "devices/kiosk-gone/device.crt")
    ca, crl = str(pki / "ca/ca.crt"), str(pki / "ca/ca.crl")
    assert openssl("verify", "-crl_check", "-CAfile", ca, "-CRLfile", crl, crt).returncode == 0
    r = provision("--revoke", "kiosk-gone", "--pki", str(pki))
    assert r.returncode == 0, r.stderr
    assert openssl("verify", "-crl_check", "-CAfile", ca, "-CRLfile", crl, crt).returncode != 0
    assert provision("--revoke", "no-such-kiosk", "--pki", str(pki)).returncode == 1


@pytest.mark.parametrize("bad", ["clinic-receiver", "a/b", "kiosk+", "x" * 65, ""])
def test_bad_or_reserved_device_ids_are_refused(pki: Path, bad: str) -> None:
    r = provision(bad, "--pki", str(pki))
    assert r.returncode != 0
    assert ("bad device id" in r.stderr) if bad else ("give a DEVICE_ID" in r.stderr)
    assert not list((pki / "devices").glob(f"{bad.replace('/', '_')}*/device.key")) or not bad


def test_bundle_kiosk_toml_is_a_valid_tls_config(pki: Path) -> None:
    cfg = load_config(pki / "devices/kiosk-a/kiosk.toml")
    assert cfg.device.device_id == "kiosk-a"
    assert cfg.sync.tls is True and cfg.sync.port == 8883 and cfg.sync.host == "broker.clinic.test"
    assert str(cfg.sync.cert_file) == "/etc/kiosk/certs/device.crt"
    assert str(cfg.sync.key_file) == "/etc/kiosk/certs/device.key"
    assert (pki / "devices/kiosk-a/ca.crt").read_bytes() == (pki / "ca/ca.crt").read_bytes()
