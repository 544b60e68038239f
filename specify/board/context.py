"""The detail pane's Markdown: a task's lines in tasks.md, its user story and the plan.

The user story comes from spec.md's ``### User Story N - Title`` section (spec-kit's format).
The plan sections shown are those that mention one of the task's files, else the plan's
``Summary`` and ``Technical Context`` sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from specify.board.state import STATUS_TITLES, Card

CONTEXT_LINES = 2
MAX_SECTION_LINES = 40
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_STORY_NUMBER = re.compile(r"US[-_ ]?(\d+)", re.IGNORECASE)
_FALLBACK_PLAN_SECTIONS = ("summary", "technical context")


@dataclass(frozen=True)
class Section:
    title: str
    level: int
    lines: tuple[str, ...]


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError:
        return []


def split_sections(lines: list[str]) -> list[Section]:
    """Split Markdown lines at headings, ignoring lines inside fenced code blocks."""
    sections: list[Section] = []
    title, level = "", 0
    body: list[str] = []
    fence: str | None = None
    for line in lines:
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)[0]
            fence = None if fence == marker else (fence or marker)
        heading = None if fence else _HEADING.match(line)
        if heading:
            if body or title:
                sections.append(Section(title, level, tuple(body)))
            title, level, body = heading.group(2), len(heading.group(1)), []
        else:
            body.append(line)
    if body or title:
        sections.append(Section(title, level, tuple(body)))
    return sections


def _section_markdown(section: Section) -> str:
    body = list(section.lines)
    while body and not body[-1].strip():
        body.pop()
    if len(body) > MAX_SECTION_LINES:
        body = body[:MAX_SECTION_LINES] + [f"*… {len(section.lines) - MAX_SECTION_LINES} more lines*"]
    return "\n".join([f"#### {section.title}", *body])


def story_section(spec_path: Path, story: str | None) -> Section | None:
    """Return the spec.md section of user story ``story`` (``US1``), or None."""
    number = _STORY_NUMBER.fullmatch(story or "")
    if number is None:
        return None
    pattern = re.compile(rf"^user\s+story\s+{int(number.group(1))}\b", re.IGNORECASE)
    for section in split_sections(_read_lines(spec_path)):
        if pattern.match(section.title):
            return section
    return None


def plan_sections(plan_path: Path, files: tuple[str, ...]) -> list[Section]:
    """Return the plan sections that mention one of ``files``, else its overview sections."""
    sections = [s for s in split_sections(_read_lines(plan_path)) if s.title]
    names = {name for path in files for name in (path, Path(path).name) if len(name) > 2}
    mentioning = [s for s in sections if any(name in line for line in s.lines for name in names)]
    if mentioning:
        return mentioning[:3]
    return [s for s in sections if s.title.lower() in _FALLBACK_PLAN_SECTIONS]


def task_lines(card: Card) -> str:
    """Return the task's lines in tasks.md with a little context, numbered from 1."""
    lines = _read_lines(card.tasks_path)
    task = card.task
    last = max(task.end_line, task.line)
    first = max(1, task.line - CONTEXT_LINES)
    stop = min(len(lines), last + CONTEXT_LINES)
    width = len(str(stop))
    numbered = [f"{'>' if task.line <= n <= last else ' '} {n:>{width}} {lines[n - 1]}" for n in range(first, stop + 1)]
    return "\n".join(["```text", *numbered, "```"])


def _meta_lines(card: Card) -> list[str]:
    task = card.task
    meta = [f"- **Status:** {STATUS_TITLES[card.status]}"]
    if card.claimed_by:
        meta.append(f"- **Claimed by run:** {card.claimed_by}")
    if task.phase:
        meta.append(f"- **Phase:** {task.phase}")
    if task.story:
        meta.append(f"- **Story:** {task.story}")
    if task.parallel:
        meta.append("- **Parallel:** yes ([P])")
    if task.depends_on:
        meta.append(f"- **Depends on:** {', '.join(task.depends_on)}")
    if card.blocked_by:
        meta.append(f"- **Blocked by:** {', '.join(card.blocked_by)}")
    if card.blocking:
        meta.append(f"- **Blocking:** {', '.join(card.blocking)}")
    if task.files:
        meta.append(f"- **Files:** {', '.join(f'`{name}`' for name in task.files)}")
    if task.unknown_marker:
        meta.append(f"- **Marker:** `[{task.marker}]` is not a known checkbox; it counts as not done")
    return meta


def detail_markdown(card: Card | None) -> str:
    """Render everything the detail pane shows for ``card`` as one Markdown document."""
    if card is None:
        return "*No task selected.*"
    task = card.task
    feature_dir = card.tasks_path.parent
    parts = [f"### {task.ref} {task.description}", "\n".join(_meta_lines(card))]
    parts.append(f"#### tasks.md line {task.line}\n{task_lines(card)}")
    story = story_section(feature_dir / "spec.md", task.story)
    if story is not None:
        parts.append(_section_markdown(story))
    for section in plan_sections(feature_dir / "plan.md", task.files):
        parts.append(_section_markdown(Section(f"Plan: {section.title}", section.level, section.lines)))
    return "\n\n".join(parts)
