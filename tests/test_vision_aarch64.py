"""scripts/check_litert_aarch64.py's checks, run here on the installed (x86-64) wheel and our
local build; the script itself downloads the Pi's aarch64 wheel and runs the same checks."""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.vision import ops

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("check_litert_aarch64", ROOT / "scripts" / "check_litert_aarch64.py")
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)


def _installed_package() -> Path:
    import ai_edge_litert
    return Path(ai_edge_litert.__file__).parent


def test_installed_wheel_passes_the_package_checks():
    pkg = _installed_package()
    machine = check.elf_machine(pkg / check.NATIVE[0])
    results = check.check_package(pkg, machine)
    assert all(ok for ok, _ in results), [w for ok, w in results if not ok]
    assert any("MutableOpResolver::AddCustom not exported" in w for _, w in results)
    # and the checks can fail: the wrong architecture is reported
    assert not all(ok for ok, _ in check.check_package(pkg, "AArch64" if "X86" in machine else "X86-64"))


def test_our_library_imports_only_the_c_library():
    if not ops.is_built():
        ops.build()
    machine = check.elf_machine(ops.LIBRARY)
    results = check.check_our_library(ops.LIBRARY, machine, check.PI_GLIBC)
    assert all(ok for ok, _ in results), [w for ok, w in results if not ok]
    assert not all(ok for ok, _ in check.check_our_library(ops.LIBRARY, machine, (2, 1)))  # too old a glibc


@pytest.mark.skipif(shutil.which("aarch64-linux-gnu-gcc") is None,
                    reason="cross compiler not installed (gcc-aarch64-linux-gnu libc6-dev-arm64-cross)")
def test_builds_for_aarch64(tmp_path):
    lib = tmp_path / "libface_ops.so"
    r = subprocess.run(ops.compile_command("aarch64-linux-gnu-gcc", lib), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    results = check.check_our_library(lib, "AArch64", check.PI_GLIBC)
    assert all(ok for ok, _ in results), [w for ok, w in results if not ok]
