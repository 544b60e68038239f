"""Tick and untick tasks in place, changing only checkbox characters.

Every write holds the file's cross-process lock, re-reads the file inside it (so a tick made
by another process a moment earlier is kept), and replaces the file atomically. Ticking puts
``x`` in the checkbox (``[]`` becomes ``[x]``, the one case that adds a byte); unticking puts
a space in a ``[x]``/``[X]`` checkbox. A task that already has the requested state keeps its
marker, so ``[X]`` stays ``[X]`` and ``[~]`` stays ``[~]`` when unticked.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from specify.errors import ArtifactError, ConflictError
from specify.fsutil import atomic_write_bytes, locked
from specify.tasks.encoding import encode_text
from specify.tasks.model import Task, TasksDocument
from specify.tasks.parser import load_tasks, parse_tasks

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MarkResult:
    """The document after a write and which of the named tasks it changed."""

    document: TasksDocument
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]


def set_done(path: Path, ids: Iterable[str], done: bool = True, expected_sha256: str | None = None) -> TasksDocument:
    """Mark the tasks named by ``ids`` done (``[x]``) or open (``[ ]``) and return the new document.

    ``ids`` are task ids in any case (``t001``) or ``L<line>`` for tasks without an id. Raises
    ConflictError when ``expected_sha256`` is given and the file no longer has that hash, and
    ArtifactError naming an unknown id (with near matches); in both cases the file is untouched.
    """
    return mark_tasks(path, ids, done, expected_sha256).document


def mark_tasks(path: Path, ids: Iterable[str], done: bool = True, expected_sha256: str | None = None) -> MarkResult:
    """Do what :func:`set_done` does and also report which tasks changed state."""
    path = Path(path)
    # Write through a symlink: replacing the link itself would leave its target unticked.
    real_path = path.resolve()
    refs = split_refs(ids)
    with locked(real_path):
        doc = load_tasks(path)
        if expected_sha256 is not None and doc.sha256 != expected_sha256:
            raise ConflictError(
                f"{path} changed on disk since it was read (sha256 {doc.sha256[:12]}, "
                f"expected {expected_sha256[:12]}).",
                "Reload the file and apply the change again.",
            )
        targets = resolve_refs(doc, refs)
        changed = tuple(task.ref for task in targets if _needs_change(task, done))
        unchanged = tuple(task.ref for task in targets if not _needs_change(task, done))
        if not changed:
            return MarkResult(doc, changed, unchanged)
        data = encode_text(apply_ticks(doc, targets, done), doc.encoding, doc.bom)
        atomic_write_bytes(real_path, data)
    logger.info("%s: marked %s %s", path, ", ".join(changed), "done" if done else "open")
    return MarkResult(parse_tasks(data, path), changed, unchanged)


def split_refs(ids: Iterable[str]) -> list[str]:
    """Split arguments such as ``"T001,T002"`` or ``"T001 T002"`` into single refs."""
    return [ref for value in ids for ref in re.split(r"[,\s]+", value) if ref]


def _needs_change(task: Task, done: bool) -> bool:
    """Ticking changes any open task; unticking changes only ``[x]`` and ``[X]``."""
    return task.done != done


def resolve_refs(doc: TasksDocument, refs: list[str]) -> list[Task]:
    """Return the tasks named by ``refs``; unknown ids raise ArtifactError with near matches."""
    if not refs:
        raise ArtifactError("No task ids given.", "Name one or more ids, for example T001.")
    found: list[Task] = []
    missing: list[str] = []
    for ref in refs:
        shared = doc.with_id(ref)
        if len(shared) > 1:
            raise ArtifactError(_shared_message(doc, ref, shared), _shared_hint(shared))
        task = doc.find(ref)
        if task is None:
            missing.append(ref)
        elif task not in found:
            found.append(task)
    if missing:
        raise ArtifactError(_unknown_message(doc, missing), _near_hint(doc, missing))
    return found


def _unknown_message(doc: TasksDocument, missing: list[str]) -> str:
    where = doc.path or "tasks.md"
    names = ", ".join(missing)
    noun = "task id" if len(missing) == 1 else "task ids"
    return f"Unknown {noun} {names} in {where}; the file was not changed."


def _shared_message(doc: TasksDocument, ref: str, shared: list[Task]) -> str:
    where = doc.path or "tasks.md"
    lines = ", ".join(str(task.line) for task in shared)
    return f"Task id {ref} is used by {len(shared)} tasks in {where} (lines {lines}); the file was not changed."


def _shared_hint(shared: list[Task]) -> str:
    refs = ", ".join(task.ref for task in shared)
    return f"Name the task by its line ({refs}), or renumber the duplicates."


def _near_hint(doc: TasksDocument, missing: list[str]) -> str:
    known = [task.ref for task in doc.tasks]
    upper = {ref.upper(): ref for ref in known}
    near: list[str] = []
    for ref in missing:
        for match in difflib.get_close_matches(ref.upper(), list(upper), n=3, cutoff=0.6):
            if upper[match] not in near:
                near.append(upper[match])
    if near:
        return f"Did you mean {', '.join(near)}?"
    if known:
        return f"Known ids run from {known[0]} to {known[-1]}; `specify tasks list` shows them all."
    return "The file has no tasks."


def apply_ticks(doc: TasksDocument, targets: list[Task], done: bool) -> str:
    """Return ``doc.text`` with the checkboxes of ``targets`` set; every other character is kept."""
    text = doc.text
    # Edit from the end so earlier offsets stay valid when `[]` grows to `[x]`.
    for task in sorted(targets, key=lambda t: t.offset, reverse=True):
        if not _needs_change(task, done):
            continue
        start = task.offset
        end = start + len(task.marker)
        text = text[:start] + ("x" if done else " ") + text[end:]
    return text
