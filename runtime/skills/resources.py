"""List and read the files of a skill, confined to the skill's folder.

Paths are resolved with symlinks followed before any read, and a file whose real path lies
outside the skill's real folder is neither listed nor read. Binary files are described (size
and media type), never inlined.
"""

from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path

from runtime.skills.model import SkillError

MAX_LISTED = 50
MAX_WALKED = 2000
MAX_READ_BYTES = 256 * 1024
SKIPPED_NAMES = frozenset({".git", "node_modules", "__pycache__", ".DS_Store"})


@dataclass(frozen=True)
class ResourceList:
    files: list[str]
    total: int  # files found, at least len(files)
    partial: bool  # True when the walk or the list hit its cap


def list_resources(directory: Path, limit: int = MAX_LISTED) -> ResourceList:
    """List files under ``directory`` (relative, sorted walk), without reading them."""
    real_root = os.path.realpath(directory)
    files: list[str] = []
    total = 0
    walked = 0
    partial = False
    for current, dirs, names in os.walk(directory, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_NAMES and not d.startswith("."))
        if not _inside(os.path.realpath(current), real_root):
            dirs[:] = []
            continue
        for name in sorted(names):
            walked += 1
            if name in SKIPPED_NAMES or name.startswith("."):
                continue
            path = os.path.join(current, name)
            relative = os.path.relpath(path, directory).replace(os.sep, "/")
            if relative == "SKILL.md" or not _inside(os.path.realpath(path), real_root):
                continue
            total += 1
            if len(files) < limit:
                files.append(relative)
        if walked >= MAX_WALKED:
            partial = True
            break
    return ResourceList(files, total, partial or total > len(files))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def resolve_inside(directory: Path, relative: str) -> Path:
    """Resolve ``relative`` against ``directory``; raise unless it stays inside it."""
    if not relative or "\x00" in relative:
        raise SkillError(f"invalid resource path {relative!r}", "Give a path relative to the skill folder.")
    candidate = Path(relative)
    if candidate.is_absolute():
        raise SkillError(f"resource path {relative!r} is absolute",
                         "Give a path relative to the skill folder.")
    real_root = os.path.realpath(directory)
    real = os.path.realpath(os.path.join(directory, relative))
    if not _inside(real, real_root):
        raise SkillError(f"resource path {relative!r} resolves outside the skill folder",
                         "Only files inside the skill's own folder can be read.")
    return Path(real)


def looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of ``head`` is still text.
        return exc.start < len(head) - 3
    return False


def read_resource(directory: Path, relative: str, max_bytes: int = MAX_READ_BYTES) -> str:
    """Return the text of a file inside ``directory``, or a description of a binary file."""
    path = resolve_inside(directory, relative)
    if not path.is_file():
        raise SkillError(f"resource {relative!r} is not a file in {directory}",
                         "Pick a path from the skill's resource list.")
    size = path.stat().st_size
    with open(path, "rb") as handle:
        data = handle.read(max_bytes)
    if looks_binary(data[:8192]):
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return f"[binary file {relative}: {size} bytes, {media}; not shown]"
    text = data.decode("utf-8", errors="replace")
    if size > max_bytes:
        text += f"\n[truncated: showed the first {max_bytes} of {size} bytes]"
    return text
