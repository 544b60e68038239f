"""Plan and apply file writes that never lose a user's edit.

Every write is first planned as a :class:`Change` with a status, so a dry run can print the
plan (with unified diffs) and a real run applies exactly that plan. Statuses:

- ``created``: the file did not exist.
- ``updated``: a managed file, unchanged since specify wrote it, replaced with new content
  (or a merged file that gained keys or lines).
- ``unchanged``: the file already has the content specify would write.
- ``kept``: the user's file or a managed file the user edited; left as it is.
- ``adopted``: a file spec-kit wrote, replaced and from now on managed by specify.
"""

from __future__ import annotations

import contextlib
import difflib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from specify.errors import ArtifactError
from specify.fsutil import atomic_write_bytes, locked, sha256_bytes
from specify.integrations.jsonc import merge_text

logger = logging.getLogger(__name__)

Status = Literal["created", "updated", "unchanged", "kept", "adopted"]
WRITES: frozenset[str] = frozenset({"created", "updated", "adopted"})


@dataclass
class Change:
    path: str  # project-relative, POSIX separators
    status: Status
    new: bytes | None = None  # content to write; None when nothing is written
    old: bytes | None = None
    record: str | None = None  # sha256 to keep in the manifest; None for user files
    reason: str = ""

    @property
    def writes(self) -> bool:
        return self.status in WRITES

    def to_dict(self) -> dict[str, str]:
        data = {"path": self.path, "status": self.status}
        if self.reason:
            data["reason"] = self.reason
        return data

    def diff(self) -> str:
        """Return a unified diff of the planned write ('' when nothing is written)."""
        if not self.writes or self.new is None:
            return ""
        old = (self.old or b"").decode("utf-8", errors="replace").splitlines(keepends=True)
        new = self.new.decode("utf-8", errors="replace").splitlines(keepends=True)
        before = "/dev/null" if self.old is None else f"a/{self.path}"
        return "".join(difflib.unified_diff(old, new, before, f"b/{self.path}"))


def is_inside(root: Path, path: str) -> bool:
    """Return whether the folder of ``path`` is inside ``root`` after resolving links."""
    base = root.resolve()
    parent = (root / path).parent.resolve()
    return parent == base or base in parent.parents


def _read(root: Path, path: str) -> bytes | None:
    """Return the bytes at ``path`` (None when absent); raise when writing there would leave ``root``."""
    target = root / path
    if not is_inside(root, path):
        raise ArtifactError(
            f"{path} leads outside {root} (to {target.parent.resolve()}) through a symbolic link.",
            "Replace the linked folder with a real one, or leave out the agent that writes there.",
        )
    if target.is_dir():
        raise ArtifactError(f"{target} is a folder where specify writes a file.", "Move or rename it.")
    try:
        return target.read_bytes()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise ArtifactError(
            f"{_file_in_the_way(root, path)} is a file where specify needs a folder to write {path}.",
            "Move or rename that file, or leave out the agent that writes there.",
        ) from None


def _file_in_the_way(root: Path, path: str) -> Path:
    """Return the first parent of ``root / path`` that exists as a file."""
    for parent in reversed((root / path).parents):
        if parent.is_file():
            return parent
    return root / path


def _linked(root: Path, path: str) -> Change | None:
    """Return a "kept" change for a symbolic link, which a replace would turn into a plain file."""
    if (root / path).is_symlink():
        return Change(path, "kept", None, None, None, "symbolic link; specify leaves links alone")
    return None


def plan_managed(
    root: Path,
    path: str,
    new: bytes,
    recorded: dict[str, str],
    foreign: dict[str, str],
    adoptable: Callable[[str], bool] = lambda _path: False,
) -> Change:
    """Plan a managed file: replace it only if specify or spec-kit wrote it and nobody edited it.

    ``recorded`` holds specify's own hashes, ``foreign`` spec-kit's; ``adoptable`` says
    whether an unrecorded file at ``path`` is one of spec-kit's generated files.
    """
    linked = _linked(root, path)
    if linked is not None:
        return linked
    old = _read(root, path)
    digest = sha256_bytes(new)
    if old is None:
        return Change(path, "created", new, None, digest)
    if old == new:
        return Change(path, "unchanged", None, old, digest)
    current = sha256_bytes(old)
    if recorded.get(path) == current:
        return Change(path, "updated", new, old, digest)
    if path in recorded:
        return Change(path, "kept", None, old, recorded[path], "edited since specify wrote it")
    if foreign.get(path) == current or (path not in foreign and adoptable(path)):
        return Change(path, "adopted", new, old, digest, "written by spec-kit")
    if path in foreign:
        # Recording spec-kit's hash keeps the file "edited" after its manifest is replaced.
        return Change(path, "kept", None, old, foreign[path], "edited since spec-kit wrote it")
    return Change(path, "kept", None, old, None, "not written by specify")


def plan_create_only(root: Path, path: str, new: bytes) -> Change:
    """Plan a file that is written once and then belongs to the user (constitution, config)."""
    linked = _linked(root, path)
    if linked is not None:
        return linked
    old = _read(root, path)
    if old is None:
        return Change(path, "created", new)
    if old == new:
        return Change(path, "unchanged", None, old)
    return Change(path, "kept", None, old, None, "user file")


def plan_lines(root: Path, path: str, lines: list[str]) -> Change:
    """Plan a line-based file (``.gitignore``) that gains the missing lines at its end."""
    linked = _linked(root, path)
    if linked is not None:
        return linked
    old = _read(root, path)
    if old is None:
        return Change(path, "created", ("\n".join(lines) + "\n").encode("utf-8"))
    text = old.decode("utf-8", errors="replace")
    present = {line.strip() for line in text.splitlines()}
    missing = [line for line in lines if line.strip() and line.strip() not in present]
    if not missing:
        return Change(path, "unchanged", None, old)
    newline = "\r\n" if "\r\n" in text else "\n"
    prefix = "" if not text or text.endswith("\n") else newline
    added = prefix + newline.join(missing) + newline
    return Change(path, "updated", old + added.encode("utf-8"), old, None, "added missing lines")


def plan_json_merge(root: Path, path: str, data: dict) -> Change:  # type: ignore[type-arg]
    """Plan a key-by-key merge into a JSON-with-comments file shared with the user."""
    linked = _linked(root, path)
    if linked is not None:
        return linked
    old = _read(root, path)
    text = "" if old is None else old.decode("utf-8", errors="replace")
    try:
        merged, added = merge_text(text, data)
    except ArtifactError as exc:
        # Info, not warning: the returned "kept" change carries the reason to the report, and
        # init plans twice (before and inside its lock), which would print a warning twice.
        logger.info("Left %s as it is because %s", path, exc.message)
        return Change(path, "kept", None, old, None, f"{exc.message}; add the keys by hand")
    if old is None:
        return Change(path, "created", merged.encode("utf-8"))
    if not added:
        return Change(path, "unchanged", None, old)
    return Change(path, "updated", merged.encode("utf-8"), old, None, "merged keys: " + ", ".join(added))


def plan_owned(root: Path, path: str, new: bytes) -> Change:
    """Plan a file only specify writes (a manifest): always replaced, never kept."""
    old = _read(root, path)
    if old is None:
        return Change(path, "created", new)
    if old == new:
        return Change(path, "unchanged", None, old)
    return Change(path, "updated", new, old)


@contextlib.contextmanager
def project_lock(root: Path) -> Iterator[None]:
    """Hold the lock that serialises init and integration changes in one project."""
    (root / ".specify").mkdir(parents=True, exist_ok=True)
    with locked(root / ".specify" / "init"):
        yield


def apply(root: Path, changes: list[Change]) -> list[str]:
    """Write every planned change atomically; return the paths written."""
    written = []
    for change in changes:
        if change.writes and change.new is not None:
            atomic_write_bytes(root / change.path, change.new)
            written.append(change.path)
    return written
