#!/usr/bin/env python3
"""Will our custom-op kernels work with the Raspberry Pi's (aarch64) wheel of ai-edge-litert?

    .venv/bin/python scripts/check_litert_aarch64.py [--wheel-dir DIR]

Downloads (never installs) ai-edge-litert==1.4.0 for manylinux_2_17_aarch64 / CPython 3.11
into a temporary folder (or inspects an unpacked package given with --wheel-dir), then checks
what kiosk/vision/ops relies on:

1. the Python side: ``load_delegate`` with the external-delegate interface
   (tflite_plugin_create_delegate / tflite_plugin_destroy_delegate) and
   ``experimental_delegates`` in interpreter.py;
2. the native side (readelf, nm -D, strings): aarch64 ELF files; the interpreter keeps
   unresolved custom ops as placeholders a delegate can claim ("Encountered unresolved custom
   op") and applies delegates (ModifyGraphWithDelegate). It also lists what the libraries
   export: our library links to no LiteRT symbol (the C++ op-resolver route would need
   tflite::MutableOpResolver::AddCustom, which no wheel exports);
3. our library built for aarch64 (aarch64-linux-gnu-gcc, if installed): an AArch64 ELF that
   exports the two delegate functions and imports only C library symbols available in the Pi's
   glibc (Bookworm: 2.36).

Exit 0 when every check passes, 1 otherwise, 2 when the wheel cannot be downloaded.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kiosk.vision import ops  # noqa: E402

WHEEL = "ai-edge-litert==1.4.0"
PI_GLIBC = (2, 36)
RESOLVER_SYMBOL = "_ZN6tflite17MutableOpResolver9AddCustom"
NATIVE = ("libpywrap_litert_common.so", "_pywrap_tensorflow_interpreter_wrapper.so")
C_LIBRARY = {"atan2f", "calloc", "fmaxf", "fminf", "free", "malloc", "memset", "memcpy", "sincosf",
             "sinf", "cosf", "floorf", "strcmp", "__cxa_finalize", "__gmon_start__",
             "_ITM_deregisterTMCloneTable", "_ITM_registerTMCloneTable", "abort"}


def _run(cmd: list[str]) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def elf_machine(path: Path) -> str:
    """The ELF header's Machine field (readelf -h)."""
    m = re.search(r"Machine:\s*(.+)", _run(["readelf", "-h", str(path)]))
    return m.group(1).strip() if m else "?"


def dynamic_symbols(path: Path, undefined: bool) -> dict[str, str]:
    """Dynamic symbols (readelf --dyn-syms, any architecture): name -> version ('' if none)."""
    out = {}
    for line in _run(["readelf", "--dyn-syms", "-W", str(path)]).splitlines():
        f = line.split()
        if len(f) >= 8 and f[0][:-1].isdigit() and (f[6] == "UND") == undefined and f[7] != "":
            name, _, version = f[7].partition("@")
            out[name] = version.lstrip("@")
    return out


def check_package(pkg: Path, machine: str) -> list[tuple[bool, str]]:
    """Checks 1 and 2 on an unpacked ai_edge_litert package folder."""
    res = []
    py = (pkg / "interpreter.py").read_text(encoding="utf-8")
    for needle in ("def load_delegate", "tflite_plugin_create_delegate", "tflite_plugin_destroy_delegate",
                   "experimental_delegates"):
        res.append((needle in py, f"interpreter.py has {needle}"))
    blobs = b""
    for name in NATIVE:
        path = pkg / name
        if not path.is_file():
            res.append((False, f"{name} missing"))
            continue
        got = elf_machine(path)
        res.append((got == machine, f"{name}: ELF machine {got}"))
        exported = dynamic_symbols(path, undefined=False)
        res.append((True, f"{name} exports {len(exported)} symbols, e.g. "
                          f"{', '.join(sorted(exported)[:3])}; MutableOpResolver::AddCustom "
                          f"{'exported' if any(s.startswith(RESOLVER_SYMBOL) for s in exported) else 'not exported'}"))
        blobs += path.read_bytes()
    for needle in (b"Encountered unresolved custom op", b"ModifyGraphWithDelegate"):
        res.append((needle in blobs, f"native code contains {needle.decode()!r}"))
    return res


def check_our_library(lib: Path, machine: str, max_glibc: tuple[int, int]) -> list[tuple[bool, str]]:
    """Check 3 on a built libface_ops.so."""
    res = [(elf_machine(lib) == machine, f"{lib.name}: ELF machine {elf_machine(lib)}")]
    defined = dynamic_symbols(lib, undefined=False)
    for name in ("tflite_plugin_create_delegate", "tflite_plugin_destroy_delegate"):
        res.append((name in defined, f"{lib.name} exports {name}"))
    imported = dynamic_symbols(lib, undefined=True)
    foreign = sorted(set(imported) - C_LIBRARY)
    res.append((not foreign, f"{lib.name} imports only C library symbols "
                             f"({', '.join(sorted(imported))})" + (f"; other: {foreign}" if foreign else "")))
    versions = [tuple(int(v) for v in m.groups()) for v in imported.values()
                if (m := re.match(r"GLIBC_(\d+)\.(\d+)", v))]
    newest = max(versions, default=(0, 0))
    res.append((newest <= max_glibc, f"{lib.name} needs glibc {newest[0]}.{newest[1]} "
                                     f"(target has {max_glibc[0]}.{max_glibc[1]})"))
    return res


def _download(dest: Path) -> Path | None:
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
           "--platform", "manylinux_2_17_aarch64", "--python-version", "3.11", "-d", str(dest), WHEEL]
    r = subprocess.run(cmd, capture_output=True, text=True)
    wheels = list(dest.glob("ai_edge_litert-*.whl"))
    if r.returncode != 0 or not wheels:
        print(f"cannot download the aarch64 wheel:\n{r.stderr.strip()}", file=sys.stderr)
        return None
    with zipfile.ZipFile(wheels[0]) as z:
        z.extractall(dest / "unpacked")
    print(f"downloaded {wheels[0].name} (not installed)")
    return dest / "unpacked" / "ai_edge_litert"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheel-dir", type=Path, help="an unpacked ai_edge_litert package folder (no download)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pkg = args.wheel_dir or _download(Path(tmp))
        if pkg is None:
            return 2
        results = check_package(pkg, "AArch64")
        cc = shutil.which("aarch64-linux-gnu-gcc")
        if cc:
            lib = Path(tmp) / "libface_ops.so"
            r = subprocess.run(ops.compile_command(cc, lib), capture_output=True, text=True)
            results.append((r.returncode == 0, f"face_ops.c builds with {cc}" + (f": {r.stderr}" if r.returncode else "")))
            if r.returncode == 0:
                results += check_our_library(lib, "AArch64", PI_GLIBC)
        else:
            results.append((False, "aarch64-linux-gnu-gcc not installed (apt-get install gcc-aarch64-linux-gnu "
                                   "libc6-dev-arm64-cross): our library was not built for aarch64"))
    for ok, what in results:
        print(f"{'OK  ' if ok else 'FAIL'} {what}")
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
