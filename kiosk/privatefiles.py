"""Files that hold patient data (databases, reports, peak frames) are created mode 0600, whatever the
umask, and written whole or not at all (temp file in the same folder, fsync, rename).
docs/security.md#files-at-rest."""
from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_MODE = 0o600


def create_private(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 if it does not exist; True when created. An existing file
    that is ours and more open than 0600 is tightened (files made by older versions)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_MODE)
    except FileExistsError:
        tighten(path)
        return False
    os.close(fd)
    return True


def tighten(path: Path) -> None:
    """chmod 0600 a regular file we own when group or others may read it; a read-only file system or
    another owner leaves it unchanged (the caller's open reports the real problem)."""
    try:
        st = os.stat(path, follow_symlinks=False)
        if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) & 0o077:
            os.chmod(path, PRIVATE_MODE)
    except OSError:
        pass


def write_private(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically with mode 0600 (the parent folder must exist).

    An OSError names ``path`` (not the temporary file), e.g. on a read-only file system."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, PRIVATE_MODE)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, PRIVATE_MODE)
        os.replace(tmp, path)
    except OSError as e:
        raise OSError(e.errno, e.strerror, str(path)) from e
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
    return path


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with mode 0700 when missing; return it."""
    path = Path(path)
    old = os.umask(0o077)
    try:
        path.mkdir(parents=True, exist_ok=True)
    finally:
        os.umask(old)
    return path
