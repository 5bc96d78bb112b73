"""Is this the kiosk's supported platform, and does the Pi camera chain import? (docs/deployment.md)

Supported: Raspberry Pi OS (64-bit) based on Debian 12 "bookworm" with its Python 3.11. The
reason is ai-edge-litert 1.4.0: its aarch64 wheels exist only for CPython 3.11, and Raspberry Pi
OS based on Debian 13 ships Python 3.13. On the Pi, picamera2 comes from the system
(python3-picamera2, venv with --system-site-packages); it imports the system simplejpeg, which
is built against the system numpy 1.24 and fails under the venv's numpy 2 ("numpy.dtype size
changed"), so the venv carries simplejpeg 1.9.0 (built for numpy 2) that shadows it.

Standard library only: ``scripts/setup`` runs this file with the system Python before the venv
exists (``python3 kiosk/platform_check.py``; exit 0 supported, 1 not, with the reason).
"""
from __future__ import annotations

import argparse
import importlib
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

SUPPORTED = "Raspberry Pi OS (64-bit) based on Debian 12 bookworm, Python 3.11"
PYTHON = "3.11"
CODENAME = "bookworm"
ELSEWHERE = ("flash 'Raspberry Pi OS (Legacy, 64-bit)' (Debian 12 bookworm) with Raspberry Pi Imager: "
             "see docs/deployment.md")


@dataclass(frozen=True)
class PlatformVerdict:
    ok: bool
    machine: str        # platform.machine(): aarch64 on the Pi
    os_name: str        # PRETTY_NAME of /etc/os-release
    python: str         # major.minor
    detail: str         # one line: what was found, and what to do when not ok


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value lines of os-release(5), quotes removed."""
    out = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip().strip('"').strip("'")
    return out


def platform_verdict(os_release: dict[str, str], machine: str, python: str) -> PlatformVerdict:
    """Supported kiosk platform? Any other machine than aarch64 is a development machine: only
    its Python is checked (the pins are for 3.11)."""
    name = os_release.get("PRETTY_NAME", "unknown OS")
    codename = os_release.get("VERSION_CODENAME", "")
    debian_like = os_release.get("ID") in ("debian", "raspbian") or "debian" in os_release.get("ID_LIKE", "").split()
    problems = []
    if python != PYTHON:
        problems.append(f"Python {python}: the kiosk needs {PYTHON} (ai-edge-litert 1.4.0 has aarch64 wheels "
                        f"only for CPython 3.11)")
    if machine == "aarch64" and not (debian_like and codename == CODENAME):
        problems.append(f"{name} ({codename or 'no codename'}) is not Debian 12 bookworm: Raspberry Pi OS "
                        f"python3-picamera2 and the pinned wheels are for bookworm's Python 3.11")
    if problems:
        fix = ELSEWHERE if machine == "aarch64" else "use Python 3.11 (e.g. Debian 12's python3.11)"
        return PlatformVerdict(False, machine, name, python, "; ".join(problems) + f". Supported: {SUPPORTED}; {fix}")
    role = "kiosk platform" if machine == "aarch64" else f"development machine ({machine}); the kiosk runs on aarch64"
    return PlatformVerdict(True, machine, name, python, f"{name}, Python {python}, {machine}: {role}")


def this_platform(os_release: Path = Path("/etc/os-release")) -> PlatformVerdict:
    try:
        text = os_release.read_text()
    except OSError:
        text = ""
    return platform_verdict(parse_os_release(text), platform.machine(), "%d.%d" % sys.version_info[:2])


@dataclass(frozen=True)
class ChainLink:
    """One module of the picamera2 chain as imported by this interpreter."""
    module: str
    version: str        # "" when not imported
    origin: str         # "venv", "system", "absent" or "broken"
    path: str           # file the module was loaded from, or the import error
    works: bool         # imported (and, for simplejpeg, a JPEG encode/decode round trip)


def module_origin(path: str) -> str:
    """'venv' when the file lies in this environment's prefix, else 'system'."""
    p = Path(path).resolve()
    in_venv = sys.prefix != sys.base_prefix and Path(sys.prefix).resolve() in p.parents
    return "venv" if in_venv else "system"


def _link(module: str, probe=None) -> ChainLink:  # type: ignore[no-untyped-def]
    try:
        m = importlib.import_module(module)
        if probe is not None:
            probe(m)
    except ModuleNotFoundError as e:
        if e.name == module:
            return ChainLink(module, "", "absent", "not installed", False)
        return ChainLink(module, "", "broken", f"{type(e).__name__}: {e}", False)
    except Exception as e:  # noqa: BLE001  a binary built for another numpy raises ValueError at import
        return ChainLink(module, "", "broken", f"{type(e).__name__}: {e}", False)
    path = getattr(m, "__file__", None) or ""
    version = str(getattr(m, "__version__", "") or "")
    return ChainLink(module, version, module_origin(path) if path else "system", path, True)


def _jpeg_round_trip(simplejpeg) -> None:  # type: ignore[no-untyped-def]
    import numpy as np
    img = np.full((16, 16, 3), 128, np.uint8)
    back = simplejpeg.decode_jpeg(simplejpeg.encode_jpeg(img, quality=90))
    if back.shape != img.shape or int(np.abs(back.astype(int) - 128).max()) > 2:
        raise ValueError(f"JPEG round trip gave {back.shape}, max error {np.abs(back.astype(int) - 128).max()}")


def camera_chain() -> list[ChainLink]:
    """numpy, simplejpeg (with a JPEG round trip), libcamera and picamera2, in import order."""
    return [_link("numpy"), _link("simplejpeg", _jpeg_round_trip), _link("libcamera"), _link("picamera2")]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Check the kiosk platform (" + SUPPORTED + ").")
    ap.add_argument("--os-release", type=Path, default=Path("/etc/os-release"))
    ap.add_argument("--machine", help="override platform.machine() (to check a plan for another machine)")
    ap.add_argument("--python", help="override this interpreter's major.minor")
    ap.add_argument("--camera-chain", action="store_true", help="also import the picamera2 chain and report it")
    a = ap.parse_args(argv)
    v = this_platform(a.os_release)
    if a.machine or a.python:
        text = a.os_release.read_text() if a.os_release.is_file() else ""
        v = platform_verdict(parse_os_release(text), a.machine or v.machine, a.python or v.python)
    print(("supported: " if v.ok else "NOT SUPPORTED: ") + v.detail)
    if a.camera_chain:
        for link in camera_chain():
            print(f"  {link.module:<10} {link.version or '-':<8} {link.origin:<7} {link.path}")
    return 0 if v.ok else 1


if __name__ == "__main__":
    sys.exit(main())
