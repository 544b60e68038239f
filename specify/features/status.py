"""Feature status: the artifacts present in a feature folder and the next stage to run.

Stages in order: constitution, specify, clarify, plan, tasks, analyze, implement, done.
:func:`next_stage` picks the first one whose work is missing:

- ``constitution`` while ``.specify/memory/constitution.md`` still has ``[UPPER_CASE]``
  placeholders (a missing constitution does not block: spec-kit treats it as optional);
- ``specify`` when there is no feature, no spec.md, or spec.md is still the template;
- ``clarify`` while spec.md has ``[NEEDS CLARIFICATION: ...]`` markers;
- ``plan`` / ``tasks`` when plan.md / tasks.md is missing or still the template;
- ``analyze`` when tasks.md has tasks and none is done yet, since analyze writes no file;
- ``implement`` while any task is open, and ``done`` when every task is done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specify.artifacts.templates import has_placeholders, prose_lines
from specify.errors import ArtifactError, SpecifyError

STAGES = ("constitution", "specify", "clarify", "plan", "tasks", "analyze", "implement", "done")
# The files spec-kit's check-prerequisites lists in AVAILABLE_DOCS, in its order.
OPTIONAL_DOCS = ("research.md", "data-model.md", "contracts/", "quickstart.md")
ARTIFACTS = (
    "spec.md",
    "plan.md",
    "research.md",
    "data-model.md",
    "quickstart.md",
    "contracts/",
    "tasks.md",
    "checklists/",
)
# The stage that writes each required file, named in error messages.
MADE_BY = {"spec.md": "specify", "plan.md": "plan", "tasks.md": "tasks"}

_MARKER = re.compile(r"\[NEEDS CLARIFICATION:\s*([^\]]*)\]")
_INLINE_CODE = re.compile(r"`[^`]*`")
# spec-kit's early spec template shows the marker itself in its guidance text.
_EXAMPLE_QUESTIONS = frozenset({"specific question", "question", "...", "…"})


@dataclass
class TaskProgress:
    total: int
    done: int
    open: int
    unknown_markers: int


@dataclass
class FeatureStatus:
    """Artifacts present in one feature folder, with clarification and task counts."""

    folder: Path
    artifacts: dict[str, bool]
    spec_is_template: bool = False
    plan_is_template: bool = False
    tasks_is_template: bool = False
    clarifications: int = 0
    tasks: TaskProgress | None = None
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "artifacts": self.artifacts,
            "clarifications": self.clarifications,
            "tasks": vars(self.tasks) if self.tasks else None,
            "problems": self.problems,
        }


def read_text(path: Path) -> str:
    """Read a Markdown artifact as text, accepting a BOM and any line endings."""
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArtifactError(f"{path} is not valid UTF-8 (byte {exc.start}).", "Save it as UTF-8.") from exc


def count_clarifications(text: str) -> int:
    """Count open ``[NEEDS CLARIFICATION: ...]`` markers in prose (not code or comments)."""
    count = 0
    for _, line in prose_lines(text):
        line = _INLINE_CODE.sub("", line)
        count += sum(1 for m in _MARKER.finditer(line) if m.group(1).strip().lower() not in _EXAMPLE_QUESTIONS)
    return count


def available_docs(folder: Path, include_tasks: bool) -> list[str]:
    """List the optional design documents present, as spec-kit's check-prerequisites does."""
    docs = []
    for name in OPTIONAL_DOCS:
        path = folder / name.rstrip("/")
        if name.endswith("/"):
            if path.is_dir() and any(path.iterdir()):
                docs.append(name)
        elif path.is_file():
            docs.append(name)
    if include_tasks and (folder / "tasks.md").is_file():
        docs.append("tasks.md")
    return docs


def _present(folder: Path, name: str) -> bool:
    path = folder / name.rstrip("/")
    return path.is_dir() if name.endswith("/") else path.is_file()


def task_progress(path: Path) -> TaskProgress | None:
    """Count tasks with the shared tasks.md parser; None when that package is not installed."""
    try:
        from specify.tasks import load_tasks, task_stats
    except ImportError:
        return None
    stats = task_stats(load_tasks(path))
    return TaskProgress(stats["total"], stats["done"], stats["open"], stats["unknown_markers"])


def feature_status(folder: Path) -> FeatureStatus:
    """Read what exists in a feature folder. Unreadable files are reported, not raised."""
    status = FeatureStatus(folder, {name: _present(folder, name) for name in ARTIFACTS})
    unreadable: set[str] = set()
    for name, attribute in (
        ("spec.md", "spec_is_template"),
        ("plan.md", "plan_is_template"),
        ("tasks.md", "tasks_is_template"),
    ):
        if not status.artifacts[name]:
            continue
        try:
            text = read_text(folder / name)
        except (ArtifactError, OSError, UnicodeDecodeError) as exc:
            status.problems.append(f"{name}: {exc}")
            unreadable.add(name)
            continue
        setattr(status, attribute, has_placeholders(text))
        if name == "spec.md":
            status.clarifications = count_clarifications(text)
    if status.artifacts["tasks.md"] and "tasks.md" not in unreadable:
        try:
            status.tasks = task_progress(folder / "tasks.md")
        except (SpecifyError, OSError) as exc:
            status.problems.append(f"tasks.md: {exc}")
    return status


def constitution_state(root: Path) -> str:
    """Return ``missing``, ``template`` (placeholders left) or ``written``."""
    path = root / ".specify" / "memory" / "constitution.md"
    if not path.is_file():
        return "missing"
    try:
        return "template" if has_placeholders(read_text(path)) else "written"
    except (ArtifactError, OSError):
        return "template"


def next_stage(constitution: str, status: FeatureStatus | None) -> str:
    """Return the first stage whose work is missing (rules in the module docstring)."""
    if constitution == "template":
        return "constitution"
    if status is None or not status.artifacts["spec.md"] or status.spec_is_template:
        return "specify"
    if status.clarifications:
        return "clarify"
    if not status.artifacts["plan.md"] or status.plan_is_template:
        return "plan"
    if not status.artifacts["tasks.md"] or status.tasks_is_template:
        return "tasks"
    progress = status.tasks
    if progress is None:
        # NOTE: without the tasks parser, progress is unknown; implement is the safe guess.
        return "implement"
    if progress.total == 0:
        return "tasks"
    if progress.done == 0:
        return "analyze"
    if progress.open:
        return "implement"
    return "done"
