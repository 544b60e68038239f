"""Tick and untick tasks in place, changing only checkbox characters."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from specify.tasks.model import TasksDocument


def set_done(
    path: Path, ids: Iterable[str], done: bool = True, expected_sha256: str | None = None
) -> TasksDocument:
    """Mark the tasks named by ``ids`` done (``[x]``) or open (``[ ]``) and return the new document.

    Takes the file's lock, re-reads it inside the lock, and replaces it atomically. Raises
    ConflictError when ``expected_sha256`` is given and the file no longer has that hash, and
    ArtifactError naming an unknown id (with near matches) without touching the file.
    """
    raise NotImplementedError
