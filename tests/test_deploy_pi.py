"""Raspberry Pi readiness (issue 18) on this x86 machine: the wheel plan against the real package
index (aarch64, CPython 3.11), the platform verdict on real os-release texts, `kiosk doctor`'s
picamera2 chain report, and scripts/setup's plan for aarch64 (--plan: nothing installed)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from kiosk.commands.doctor import FAIL, OK, check_camera_chain
from kiosk.config import KioskConfig
from kiosk.platform_check import PlatformVerdict, camera_chain, parse_os_release, platform_verdict

ROOT = Path(__file__).resolve().parent.parent
BOOKWORM = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
"""
_project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
N_PINS = len(_project["dependencies"]) + len(_project["optional-dependencies"]["pi"])
TRIXIE = BOOKWORM.replace("12 (bookworm)", "13 (trixie)").replace("bookworm", "trixie").replace('"12"', '"13"')


def run_plan(*args: str) -> tuple[int, dict]:
    r = subprocess.run([sys.executable, str(ROOT / "scripts/pi_plan"), "--json", *args],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, json.loads(r.stdout)


@pytest.fixture(scope="module")
def index_plan() -> tuple[int, dict]:
    return run_plan()


def test_pi_plan_lists_exactly_the_wheels_to_build(index_plan: tuple[int, dict]) -> None:
    rc, plan = index_plan
    assert rc == 1
    assert plan["must_build"] == ["praat-parselmouth==0.4.7", "pyaudio==0.2.14"]
    pins = {p["requirement"]: p for p in plan["pins"]}
    assert len(pins) == N_PINS                      # the dependencies and the pi extra's simplejpeg
    litert = pins["ai-edge-litert==1.4.0"]
    assert litert["source"] == "index" and litert["wheel"].startswith("ai_edge_litert-1.4.0-cp311-cp311-manylinux")
    assert litert["wheel"].endswith("_aarch64.whl")
    assert pins["simplejpeg==1.9.0"]["source"] == "index" and "cp311" in pins["simplejpeg==1.9.0"]["wheel"]
    for p in pins.values():                         # every binary wheel found is for aarch64 (or pure Python)
        assert p["source"] == "build" or p["wheel"].endswith(("_aarch64.whl", "-none-any.whl")), p
    deps = plan["with_dependencies"]
    assert deps["ok"], deps["error"]
    assert any(w.startswith("psycopg_binary-3.3.9-cp311") for w in deps["wheels"])   # the [binary] extra resolved


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheelhouse holding only the real simplejpeg 1.9.0 aarch64 wheel from the index."""
    d = tmp_path_factory.mktemp("wheelhouse")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k == "PIP_CERT"} | {
        "PIP_CONFIG_FILE": os.devnull}
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "--platform", "manylinux2014_aarch64", "--python-version", "3.11", "-d", str(d),
                    "simplejpeg==1.9.0"], check=True, timeout=300, env=env)
    return d


def test_pi_plan_without_index_counts_the_wheelhouse(wheelhouse: Path) -> None:
    rc, plan = run_plan("--no-index", "--wheelhouse", str(wheelhouse))
    assert rc == 1
    pins = {p["requirement"]: p for p in plan["pins"]}
    assert pins["simplejpeg==1.9.0"]["source"] == "wheelhouse"
    assert pins["simplejpeg==1.9.0"]["wheel"] == next(wheelhouse.glob("*.whl")).name
    assert len(plan["must_build"]) == N_PINS - 1 and "simplejpeg==1.9.0" not in plan["must_build"]
    assert not plan["with_dependencies"]["ok"]


@pytest.mark.parametrize("text, machine, python, ok, words", [
    (BOOKWORM, "aarch64", "3.11", True, ["kiosk platform"]),
    (TRIXIE, "aarch64", "3.13", False, ["Python 3.13", "not Debian 12 bookworm", "Legacy, 64-bit"]),
    (TRIXIE, "aarch64", "3.11", False, ["not Debian 12 bookworm"]),
    (BOOKWORM, "x86_64", "3.11", True, ["development machine"]),
    (TRIXIE, "x86_64", "3.13", False, ["Python 3.13", "ai-edge-litert"]),
])
def test_platform_verdict(text: str, machine: str, python: str, ok: bool, words: list[str]) -> None:
    v = platform_verdict(parse_os_release(text), machine, python)
    assert isinstance(v, PlatformVerdict) and v.ok is ok, v.detail
    assert all(w in v.detail for w in words), v.detail


def _config(source: str) -> KioskConfig:
    return KioskConfig.model_validate({"camera": {"source": source}})


def test_doctor_reports_the_camera_chain_on_this_machine() -> None:
    """numpy in use and its origin; simplejpeg and picamera2 absent here: reported, never a crash."""
    got = {c.name: (c.status, c.detail) for c in check_camera_chain(_config("opencv"), machine="x86_64")}
    assert list(got) == ["numpy", "simplejpeg", "picamera2"]
    expected_origin = "venv" if sys.prefix != sys.base_prefix else "system"
    assert got["numpy"] == (OK, f"{np.__version__} from the {expected_origin} ({np.__file__})")
    assert got["picamera2"] == (OK, "not installed: only the Pi camera needs it; camera source is 'opencv'")
    pi = {c.name: c for c in check_camera_chain(_config("picamera2"), machine="x86_64")}
    assert pi["picamera2"].status == FAIL and "python3-picamera2" in pi["picamera2"].detail
    links = {link.module: link for link in camera_chain()}
    if links["simplejpeg"].origin == "absent":
        assert pi["simplejpeg"].status == FAIL and "1.9.0, built for numpy 2" in pi["simplejpeg"].detail
    on_pi = {c.name: c.status for c in check_camera_chain(_config("opencv"), machine="aarch64")}
    assert on_pi["picamera2"] == FAIL                # on the Pi it is always needed


def test_a_binary_built_for_another_numpy_is_an_import_failure_line(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """What picamera2 #1088 shows: the module raises ValueError at import. A FAIL line, not a crash."""
    (tmp_path / "simplejpeg.py").write_text(
        "raise ValueError('numpy.dtype size changed, may indicate binary incompatibility. "
        "Expected 96 from C header, got 88 from PyObject')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "simplejpeg", raising=False)
    got = {c.name: (c.status, c.detail) for c in check_camera_chain(_config("picamera2"), machine="x86_64")}
    assert got["simplejpeg"][0] == FAIL
    assert got["simplejpeg"][1].startswith("import failed: ValueError: numpy.dtype size changed")


def setup_plan(machine: str, *args: str, os_release: str = BOOKWORM, tmp: Path) -> subprocess.CompletedProcess:
    (tmp / "os-release").write_text(os_release)
    env = dict(os.environ, KIOSK_SETUP_MACHINE=machine, KIOSK_OS_RELEASE=str(tmp / "os-release"),
               PYTHON=sys.executable)
    return subprocess.run(["bash", str(ROOT / "scripts/setup"), "--plan", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def _plan_lines(r: subprocess.CompletedProcess) -> dict[str, str]:
    return {ln.split(":", 1)[0].split()[-1]: ln.split(":", 1)[1].strip()
            for ln in r.stdout.splitlines() if ln.startswith("[setup]   ")}


def test_setup_plan_on_aarch64_with_a_wheelhouse(wheelhouse: Path, tmp_path: Path) -> None:
    r = setup_plan("aarch64", "--wheelhouse", str(wheelhouse), tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    plan = _plan_lines(r)
    apt = plan["apt"].split()
    assert {"python3-picamera2", "cage", "xwayland", "libwayland-egl1", "libportaudio2"} <= set(apt)
    assert not {"cmake", "g++", "portaudio19-dev"} & set(apt)          # no compiler on a kiosk
    assert plan["venv"].endswith("-m venv --system-site-packages .venv")
    assert plan["pip"] == f"install --no-index --find-links {wheelhouse} -e .[dev,pi]"
    assert "simplejpeg must import from .venv" in plan["then"]
    assert plan["models"].startswith(f"{wheelhouse}/models")


def test_setup_plan_on_aarch64_without_wheelhouse_and_on_x86(tmp_path: Path) -> None:
    pi = _plan_lines(setup_plan("aarch64", tmp=tmp_path))
    assert {"cmake", "g++", "portaudio19-dev"} <= set(pi["apt"].split())
    assert pi["pip"] == "install  -e .[dev,pi]"
    dev = _plan_lines(setup_plan("x86_64", tmp=tmp_path))
    assert "--system-site-packages" not in dev["venv"] and dev["pip"] == "install  -e .[dev]"
    assert "python3-picamera2" not in dev["apt"]


def test_setup_refuses_a_kiosk_on_another_os(tmp_path: Path) -> None:
    r = setup_plan("aarch64", os_release=TRIXIE, tmp=tmp_path)
    assert r.returncode == 1
    assert "NOT SUPPORTED" in r.stderr and "not Debian 12 bookworm" in r.stderr and "docs/deployment.md" in r.stderr
