"""Data types of a parsed tasks.md: tasks, phases and the document that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Task:
    """One GFM task-list item (``- [ ] T012 [P] [US1] Description``) of a tasks.md.

    ``id`` is the spec-kit id (``T012``, ``T021A``) or an OpenSpec/Kiro number (``1.1``), and
    None for an item whose text starts with neither. ``marker`` is the character between the
    brackets: ``' '``, ``'x'``, ``'X'``, one punctuation character, or ``''`` for ``[]``.
    Only ``x``/``X`` means done. ``description`` is the text after the id and the ``[P]``
    and ``[USn]`` tags, with hard-wrapped continuation lines joined by single spaces.
    ``phase_index`` is the position of the enclosing phase in ``TasksDocument.phases``, or -1
    outside any phase. ``indent`` counts leading columns (a tab advances to the next multiple
    of 4); ``parent_line`` is the line of the enclosing task of a nested subtask.
    ``duplicate_id`` is true when another task in the file has the same id. Such a task is
    named by its line (``L12``), so every ref names exactly one task.
    """

    id: str | None
    line: int
    done: bool
    marker: str
    description: str
    phase: str | None
    phase_index: int
    story: str | None
    parallel: bool
    depends_on: tuple[str, ...]
    files: tuple[str, ...]
    indent: int
    parent_line: int | None
    level: int = 0
    end_line: int = 0
    offset: int = field(default=-1, repr=False, compare=False)
    duplicate_id: bool = False

    @property
    def ref(self) -> str:
        """The name commands accept for this task: its id, else (no id, or a shared one) ``L<line>``."""
        if self.id is None or self.duplicate_id:
            return f"L{self.line}"
        return self.id

    @property
    def unknown_marker(self) -> bool:
        """True for ``[]`` and punctuation markers, which count as not done."""
        return self.marker not in (" ", "x", "X")


@dataclass(frozen=True)
class Phase:
    """A ``## Phase N: Title`` heading (levels 2-4; ``Phase 3.1`` numbering included).

    A phase depends on every phase before it, so ``index`` orders them. It ends at the next
    heading of the same or a higher level.
    """

    index: int
    number: str
    title: str
    heading: str
    line: int
    level: int


@dataclass
class TasksDocument:
    """A parsed tasks.md together with what is needed to write it back byte for byte.

    ``encoding`` is ``utf-8`` (or ``utf-16-le``/``utf-16-be``, detected from the BOM),
    ``bom`` tells whether the bytes start with a byte order mark, and ``newline`` is the
    dominant line ending (``"\\n"``, ``"\\r\\n"``, ``"\\r"``, or ``"mixed"`` when several
    kinds occur). ``sha256`` is the hash of the exact bytes parsed, for conflict checks.
    ``unknown_markers`` lists the tasks whose checkbox is ``[]`` or punctuation. ``text`` is
    the decoded text without the BOM. ``unclosed_fence_line`` is the line of a code fence that
    never closes (so no line after it is read as a task), else None.
    """

    path: Path | None
    tasks: list[Task]
    phases: list[Phase]
    encoding: str
    bom: bool
    newline: str
    sha256: str
    unknown_markers: list[Task] = field(default_factory=list)
    text: str = field(default="", repr=False)
    unclosed_fence_line: int | None = None

    def find(self, ref: str) -> Task | None:
        """Return the task named by ``ref`` (an id in any case, or ``L<line>``), or None.

        An id that several tasks share names none of them (see :meth:`with_id`).
        """
        wanted = ref.strip().upper()
        for task in self.tasks:
            if task.id is not None and not task.duplicate_id and task.id.upper() == wanted:
                return task
        if wanted.startswith("L") and wanted[1:].isdigit():
            line = int(wanted[1:])
            for task in self.tasks:
                if task.line == line:
                    return task
        return None

    def with_id(self, task_id: str) -> list[Task]:
        """Return every task whose id is ``task_id`` (any case), in file order."""
        wanted = task_id.strip().upper()
        return [task for task in self.tasks if task.id is not None and task.id.upper() == wanted]

    @property
    def task_ids(self) -> list[str]:
        return [task.id for task in self.tasks if task.id is not None]
