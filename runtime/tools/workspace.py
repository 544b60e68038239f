"""Confine file access to one folder.

Every path a model names is resolved (``..`` collapsed, symlinks followed, including those of
parent folders of a file that does not exist yet) before any read or write, and must land
inside the workspace root. Writes into ``.git/`` and ``.specify/runs/`` are rejected as well,
so a model cannot rewrite history or its own transcript.
"""

from __future__ import annotations

import os
from pathlib import Path

from runtime.tools.base import ToolError

PROTECTED_WRITE_DIRS = (".git", ".specify/runs")


class WorkspaceError(ToolError):
    """A path outside the workspace, or into a protected folder."""


class Workspace:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def resolve(self, path: str) -> Path:
        """Return the real absolute path of ``path``, which must lie inside the root."""
        if not isinstance(path, str) or not path.strip():
            raise WorkspaceError("A path is required.")
        if "\x00" in path:
            raise WorkspaceError(f"Invalid path {path!r}: it contains a NUL byte.")
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = self.root / candidate
        real = Path(os.path.realpath(candidate))
        if real != self.root and self.root not in real.parents:
            raise WorkspaceError(
                f"Path {path!r} resolves to {real}, outside the repository {self.root}. "
                "Use a path inside the repository."
            )
        return real

    def resolve_for_write(self, path: str) -> Path:
        real = self.resolve(path)
        relative = real.relative_to(self.root).as_posix()
        for protected in PROTECTED_WRITE_DIRS:
            if relative == protected or relative.startswith(protected + "/"):
                raise WorkspaceError(f"Writing into {protected}/ is not allowed ({path!r}).")
        return real

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() or "."
