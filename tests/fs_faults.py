"""Real file-system faults for store tests: a small tmpfs that can be filled or remounted read-only.
Needs mount rights (root, as on the kiosk image and in the project container); elsewhere the tests
that need it are skipped with the reason."""
from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path


def can_mount() -> bool:
    return os.geteuid() == 0 and Path("/bin/mount").exists()


@contextlib.contextmanager
def small_fs(where: Path, size_kb: int = 2048) -> Iterator[Path]:
    """A tmpfs of ``size_kb`` mounted at ``where`` for the duration of the block."""
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0755", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(fs: Path) -> Path:
    """Write zeros until the file system is full; return the filler file."""
    filler = fs / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def remount_ro(fs: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(fs)], check=True)
