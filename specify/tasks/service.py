"""What the ``specify tasks`` commands do, as plain functions that return JSON-ready data.

Each function finds the feature's tasks.md with the shared resolvers: the project root from
``find_root`` and the feature from ``resolve_feature`` (``--feature`` > environment >
``.specify/feature.json`` > branch). ``--feature`` may also name a folder or a tasks.md
file outside any specify project, such as an OpenSpec change folder; claims are then not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specify.errors import ArtifactError, FeatureNotFoundError, ProjectNotFoundError
from specify.project import find_root, resolve_feature
from specify.tasks.claims import Claim, read_claims
from specify.tasks.model import Task, TasksDocument
from specify.tasks.parser import load_tasks
from specify.tasks.schedule import next_batch, task_stats
from specify.tasks.writer import mark_tasks

TASKS_FILE = "tasks.md"


@dataclass(frozen=True)
class TasksLocation:
    """The tasks.md a command works on, the project root (None outside a project) and why."""

    path: Path
    root: Path | None
    rule: str


def locate_tasks(feature: str | None = None) -> TasksLocation:
    """Find the tasks.md of the feature named by ``feature`` (or the active one)."""
    direct = _existing_path(feature)
    try:
        root = find_root().path
    except ProjectNotFoundError:
        if direct is None:
            raise
        return TasksLocation(_tasks_file(direct), None, "--feature path")
    try:
        resolved = resolve_feature(root, feature)
    except FeatureNotFoundError:
        if direct is None:
            raise
        return TasksLocation(_tasks_file(direct), root, "--feature path")
    return TasksLocation(resolved.path / TASKS_FILE, root, resolved.rule)


def _existing_path(value: str | None) -> Path | None:
    if not value:
        return None
    path = Path(value).expanduser()
    return path.resolve() if path.exists() else None


def _tasks_file(path: Path) -> Path:
    if path.is_file():
        return path
    return path / TASKS_FILE


def _claims(location: TasksLocation) -> dict[str, Claim]:
    return read_claims(location.root, location.path) if location.root is not None else {}


def task_row(task: Task, claims: dict[str, Claim]) -> dict[str, Any]:
    """Return the JSON form of one task as ``tasks list`` prints it."""
    claim = claims.get(task.ref.upper())
    return {
        "id": task.id,
        "ref": task.ref,
        "line": task.line,
        "done": task.done,
        "marker": task.marker,
        "description": task.description,
        "phase": task.phase,
        "story": task.story,
        "parallel": task.parallel,
        "depends_on": list(task.depends_on),
        "files": list(task.files),
        "level": task.level,
        "parent_line": task.parent_line,
        "claimed_by": claim.run_id if claim else None,
    }


def list_tasks(feature: str | None = None) -> dict[str, Any]:
    """Return every task of the feature with its fields and claim."""
    location = locate_tasks(feature)
    doc = load_tasks(location.path)
    claims = _claims(location)
    return {
        "file": str(location.path),
        "rule": location.rule,
        "sha256": doc.sha256,
        "tasks": [task_row(task, claims) for task in doc.tasks],
        "warnings": document_warnings(doc),
    }


def next_tasks(feature: str | None = None) -> dict[str, Any]:
    """Return the ids of the next batch and the open tasks skipped because a live run holds them."""
    location = locate_tasks(feature)
    doc = load_tasks(location.path)
    claims = _claims(location)
    batch = next_batch(doc, claims)
    claimed = [
        {"id": task.ref, "claimed_by": claims[task.ref.upper()].run_id}
        for task in doc.tasks
        if not task.done and task.ref.upper() in claims
    ]
    return {
        "file": str(location.path),
        "rule": location.rule,
        "tasks": [task.ref for task in batch],
        "details": [task_row(task, claims) for task in batch],
        "claimed": claimed,
        "remaining": sum(not task.done for task in doc.tasks),
    }


def tasks_stats(feature: str | None = None) -> dict[str, Any]:
    """Return the counts of ``task_stats`` for the feature's tasks.md."""
    location = locate_tasks(feature)
    doc = load_tasks(location.path)
    return {
        "file": str(location.path),
        "rule": location.rule,
        **task_stats(doc),
        **_encoding_facts(doc),
        "warnings": document_warnings(doc),
    }


def document_warnings(doc: TasksDocument) -> list[str]:
    """Return facts about the file a user should see: odd encodings, markers and fences."""
    where = doc.path or TASKS_FILE
    found = []
    if doc.encoding != "utf-8":
        found.append(f"{where} is {doc.encoding.upper()}; it is read and written back as such.")
    if doc.unknown_markers:
        lines = ", ".join(str(task.line) for task in doc.unknown_markers[:5])
        more = " ..." if len(doc.unknown_markers) > 5 else ""
        found.append(
            f"{where}: {len(doc.unknown_markers)} checkbox(es) with a marker other than "
            f"' ', x or X count as not done (lines {lines}{more})."
        )
    if doc.unclosed_fence_line is not None:
        found.append(
            f"{where}:{doc.unclosed_fence_line}: code fence never closes, so no line after it is read as a task."
        )
    return found


def _encoding_facts(doc: TasksDocument) -> dict[str, Any]:
    newline = {"\n": "LF", "\r\n": "CRLF", "\r": "CR"}.get(doc.newline, doc.newline)
    return {"encoding": doc.encoding, "bom": doc.bom, "newline": newline}


def mark(ids: list[str], done: bool, feature: str | None = None, expected_sha256: str | None = None) -> dict[str, Any]:
    """Tick (``done=True``) or untick the named tasks; return what changed and the new hash."""
    if not ids:
        raise ArtifactError("No task ids given.", "Name one or more ids, for example T001.")
    location = locate_tasks(feature)
    result = mark_tasks(location.path, ids, done, expected_sha256)
    return {
        "file": str(location.path),
        "rule": location.rule,
        "changed": list(result.changed),
        "unchanged": list(result.unchanged),
        "sha256": result.document.sha256,
        **{key: task_stats(result.document)[key] for key in ("total", "done", "open")},
    }
