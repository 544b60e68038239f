"""Parse tasks.md bytes into a :class:`TasksDocument`.

A task is a GFM task-list item at any indentation with any list marker (``-``, ``*``, ``+``,
``1.``, ``1)``). The checkbox is ``[ ]``, ``[x]``, ``[X]``, ``[]`` or one punctuation or
symbol character (``[~]``, ``[-]``, ``[✓]``); a letter or digit in brackets, as in the legend
``- [P] tasks = ...``, is not a checkbox, and neither is a link bullet ``- [text](url)``.
Lines inside fenced code blocks (backticks or tildes, three or more, closed only by a fence
of the same character at least as long) and inside HTML comment blocks are never tasks. A non-blank, more indented line
right after a task that starts no list item, heading or fence continues the task's text.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from specify.errors import ArtifactError
from specify.fsutil import sha256_bytes
from specify.tasks.encoding import decode_bytes, newline_style, split_lines
from specify.tasks.fields import parse_fields
from specify.tasks.model import Phase, Task, TasksDocument

logger = logging.getLogger(__name__)

TASK_LINE = re.compile(
    r"^(?P<indent>[ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]+"
    r"\[(?P<marker>[^\[\]]?)\](?=[ \t]|$)(?P<text>.*)$"
)
LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
COMMENT_OPEN = re.compile(r"^ {0,3}<!--")
PHASE_HEADING = re.compile(
    r"^(?:\*\*)?Phase[ \t]+(\d+(?:\.\d+)*)(?:\*\*)?\b[ \t]*(?:[:.\u2013\u2014-]+[ \t]*)?(.*)$",
    re.IGNORECASE,
)
FENCE_OPEN = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")
TAB_WIDTH = 4


def is_checkbox_marker(marker: str) -> bool:
    """True for the characters a checkbox may hold: none, space, x/X, punctuation or a symbol."""
    if marker in ("", " ", "x", "X"):
        return True
    category = unicodedata.category(marker)
    return category[0] in ("P", "S")


def indent_width(prefix: str) -> int:
    """Count leading columns, with a tab advancing to the next multiple of four."""
    width = 0
    for char in prefix:
        width = (width // TAB_WIDTH + 1) * TAB_WIDTH if char == "\t" else width + 1
    return width


@dataclass
class _OpenTask:
    """A task whose continuation lines may still follow."""

    line: int
    offset: int
    marker: str
    indent: int
    parts: list[str]
    end_line: int
    parent_line: int | None
    level: int
    phase: Phase | None


@dataclass
class _State:
    tasks: list[Task] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    phase: Phase | None = None
    fence: str | None = None
    fence_line: int = 0
    in_comment: bool = False
    current: _OpenTask | None = None
    stack: list[tuple[int, int]] = field(default_factory=list)


def parse_tasks(data: str | bytes, path: Path | None = None) -> TasksDocument:
    """Parse a tasks.md given as bytes (which keeps BOM and encoding facts) or as text.

    Raises ArtifactError for undecodable bytes, naming the byte offset.
    """
    if isinstance(data, str):
        raw = data.encode("utf-8")
    else:
        raw = bytes(data)
    decoded = decode_bytes(raw, path)
    text = decoded.text

    state = _State()
    for number, (offset, line) in enumerate(split_lines(text), start=1):
        _scan_line(state, number, offset, line)
    _finish_task(state)
    if state.fence is not None:
        # Debug only: TasksDocument.unclosed_fence_line carries it to the commands that report it.
        logger.debug(
            "%s: code fence opened on line %d is never closed; lines after it are not tasks",
            path or "tasks.md",
            state.fence_line,
        )

    tasks = _mark_duplicate_ids(state.tasks)
    return TasksDocument(
        path=Path(path) if path is not None else None,
        tasks=tasks,
        phases=state.phases,
        encoding=decoded.encoding,
        bom=decoded.bom,
        newline=newline_style(text),
        sha256=sha256_bytes(raw),
        unknown_markers=[task for task in tasks if task.unknown_marker],
        text=text,
        unclosed_fence_line=state.fence_line if state.fence is not None else None,
    )


def _mark_duplicate_ids(tasks: list[Task]) -> list[Task]:
    """Flag the tasks that share an id, so each is named by its line instead."""
    counts = Counter(task.id.upper() for task in tasks if task.id is not None)
    return [
        replace(task, duplicate_id=True) if task.id is not None and counts[task.id.upper()] > 1 else task
        for task in tasks
    ]


def load_tasks(path: Path) -> TasksDocument:
    """Read and parse ``path``; a missing or unreadable file raises ArtifactError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ArtifactError(
            f"{path} does not exist.", "Run the tasks stage (`specify run tasks`) to create it."
        ) from exc
    except OSError as exc:
        raise ArtifactError(f"Cannot read {path}: {exc.strerror}.") from exc
    return parse_tasks(data, path)


def _scan_line(state: _State, number: int, offset: int, line: str) -> None:
    if state.fence is not None:
        if _closes_fence(state.fence, line):
            state.fence = None
        return

    if state.in_comment or COMMENT_OPEN.match(line):
        # An HTML comment block runs to the line that contains `-->`; it never renders.
        _finish_task(state)
        after_open = line if state.in_comment else line[line.find("<!--") + 4 :]
        state.in_comment = "-->" not in after_open
        return

    fence = FENCE_OPEN.match(line)
    if fence and not (fence.group(1)[0] == "`" and "`" in fence.group(2)):
        _finish_task(state)
        state.fence, state.fence_line = fence.group(1), number
        return

    heading = HEADING.match(line)
    if heading:
        _finish_task(state)
        state.stack.clear()
        _enter_heading(state, number, len(heading.group(1)), (heading.group(2) or "").strip())
        return

    task = TASK_LINE.match(line)
    if task and is_checkbox_marker(task.group("marker")):
        _finish_task(state)
        _start_task(state, number, offset, task)
        return

    _continue_or_end(state, number, line)


def _closes_fence(fence: str, line: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def _enter_heading(state: _State, number: int, level: int, text: str) -> None:
    match = PHASE_HEADING.match(text) if 2 <= level <= 4 else None
    if match:
        title = match.group(2).strip(" \t*_") or text
        phase = Phase(len(state.phases), match.group(1), title, text, number, level)
        state.phases.append(phase)
        state.phase = phase
    elif state.phase is not None and level <= state.phase.level:
        state.phase = None


def _start_task(state: _State, number: int, offset: int, match: re.Match[str]) -> None:
    indent = indent_width(match.group("indent"))
    while state.stack and state.stack[-1][0] >= indent:
        state.stack.pop()
    parent_line = state.stack[-1][1] if state.stack else None
    state.stack.append((indent, number))
    state.current = _OpenTask(
        line=number,
        offset=offset + match.start("marker"),
        marker=match.group("marker"),
        indent=indent,
        parts=[match.group("text")],
        end_line=number,
        parent_line=parent_line,
        level=len(state.stack) - 1,
        phase=state.phase,
    )


def _continue_or_end(state: _State, number: int, line: str) -> None:
    current = state.current
    blank = not line.strip()
    if blank:
        _finish_task(state)
        return
    leading = indent_width(line[: len(line) - len(line.lstrip(" \t"))])
    if current is not None and leading > current.indent and not LIST_ITEM.match(line):
        current.parts.append(line.strip())
        current.end_line = number
        return
    _finish_task(state)
    if leading == 0 and not LIST_ITEM.match(line):
        state.stack.clear()


def _finish_task(state: _State) -> None:
    current = state.current
    if current is None:
        return
    state.current = None
    fields = parse_fields(" ".join(part.strip() for part in current.parts))
    phase = current.phase
    state.tasks.append(
        Task(
            id=fields.id,
            line=current.line,
            done=current.marker in ("x", "X"),
            marker=current.marker,
            description=fields.description,
            phase=phase.heading if phase else None,
            phase_index=phase.index if phase else -1,
            story=fields.story,
            parallel=fields.parallel,
            depends_on=fields.depends_on,
            files=fields.files,
            indent=current.indent,
            parent_line=current.parent_line,
            level=current.level,
            end_line=current.end_line,
            offset=current.offset,
        )
    )
