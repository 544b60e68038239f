"""Parse tasks.md bytes into a :class:`TasksDocument`."""

from __future__ import annotations

from pathlib import Path

from specify.tasks.model import TasksDocument


def parse_tasks(data: str | bytes, path: Path | None = None) -> TasksDocument:
    """Parse a tasks.md given as bytes (preferred: keeps BOM and encoding facts) or text.

    Raises ArtifactError for undecodable bytes, naming the byte offset.
    """
    raise NotImplementedError


def load_tasks(path: Path) -> TasksDocument:
    """Read and parse ``path``; a missing or unreadable file raises ArtifactError."""
    raise NotImplementedError
