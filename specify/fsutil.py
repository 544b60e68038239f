"""Atomic file writes and cross-process locks.

Every write of a user-visible file goes through :func:`atomic_write_bytes`: the data lands in
a temporary file in the same folder, is flushed to disk, and replaces the target with
``os.replace``, which is atomic on Linux, macOS and Windows. A reader sees the old file or
the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from specify.errors import SpecifyError

LOCK_TIMEOUT_S = 30.0


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically, creating parent folders as needed.

    The file keeps its permission bits when it exists; ``mode`` sets them otherwise.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp_name, path.stat().st_mode & 0o7777)
        elif mode is not None:
            os.chmod(tmp_name, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def atomic_write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write ``text`` as UTF-8 without newline translation (the caller chooses line endings)."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def lock_path_for(path: Path) -> Path:
    """Return the lock file that guards writes to ``path``.

    Locks live in a per-user folder under the system's temporary folder, named by a hash of the
    file's real path. No lock file appears beside the user's files, where git would list it as
    untracked, and every process of this user that writes the same file takes the same lock.
    """
    real = os.path.realpath(Path(path))
    digest = hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    owner = f"-{os.getuid()}" if hasattr(os, "getuid") else ""
    folder = Path(tempfile.gettempdir()) / f"specify-locks{owner}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / f"{Path(real).name[:40]}.{digest}.lock"


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the cross-process lock for ``path`` while the block runs."""
    lock = FileLock(str(lock_path_for(path)))
    try:
        lock.acquire(timeout=timeout)
    except Timeout as exc:
        raise SpecifyError(
            f"Timed out after {timeout:.0f} s waiting for the lock on {path}.",
            f"Another specify process is writing it; if none is running, delete {lock_path_for(path)}.",
        ) from exc
    try:
        yield
    finally:
        lock.release()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_bytes(Path(path).read_bytes())
