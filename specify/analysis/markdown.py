"""Line-level reading of Markdown artifacts shared by the analysis rules.

Rules look only at prose: lines inside fenced code blocks and HTML comments are skipped, so a
template example or a Sync Impact Report comment is never mistaken for content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from specify.tasks.encoding import decode_bytes, split_lines

HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")


@dataclass(frozen=True)
class Line:
    number: int
    text: str


@dataclass(frozen=True)
class Heading:
    number: int
    level: int
    text: str


@dataclass(frozen=True)
class MarkdownFile:
    """The prose lines and headings of one file, with its path relative to the project."""

    name: str
    lines: list[Line]
    headings: list[Heading]


def read_markdown(path: Path, name: str) -> MarkdownFile:
    """Read ``path`` (UTF-8 or UTF-16, any line endings); ArtifactError on undecodable bytes."""
    text = decode_bytes(path.read_bytes(), path).text
    return parse_markdown(text, name)


def parse_markdown(text: str, name: str) -> MarkdownFile:
    lines: list[Line] = []
    headings: list[Heading] = []
    fence: str | None = None
    in_comment = False
    for number, (_, raw) in enumerate(split_lines(text), start=1):
        if fence is not None:
            stripped = raw.strip()
            if len(stripped) >= len(fence) and set(stripped) == {fence[0]}:
                fence = None
            continue
        opened = FENCE.match(raw)
        if opened and not in_comment:
            fence = opened.group(1)
            continue
        visible, in_comment = _strip_comments(raw, in_comment)
        if not visible.strip():
            continue
        lines.append(Line(number, visible))
        heading = HEADING.match(visible)
        if heading:
            headings.append(Heading(number, len(heading.group(1)), heading.group(2).strip()))
    return MarkdownFile(name, lines, headings)


def _strip_comments(raw: str, in_comment: bool) -> tuple[str, bool]:
    """Remove ``<!-- ... -->`` spans from one line, tracking comments that span lines."""
    visible: list[str] = []
    position = 0
    while position < len(raw):
        if in_comment:
            end = raw.find("-->", position)
            if end < 0:
                return "".join(visible), True
            position, in_comment = end + 3, False
        else:
            start = raw.find("<!--", position)
            if start < 0:
                visible.append(raw[position:])
                break
            visible.append(raw[position:start])
            position, in_comment = start + 4, True
    return "".join(visible), in_comment


def section_lines(doc: MarkdownFile, skip_headings: tuple[str, ...]) -> list[Line]:
    """Return prose lines outside sections whose heading contains one of ``skip_headings``."""
    kept: list[Line] = []
    skip_level: int | None = None
    levels = {heading.number: heading for heading in doc.headings}
    for line in doc.lines:
        heading = levels.get(line.number)
        if heading is not None:
            if skip_level is not None and heading.level <= skip_level:
                skip_level = None
            if skip_level is None and any(word in heading.text.lower() for word in skip_headings):
                skip_level = heading.level
        if skip_level is None:
            kept.append(line)
    return kept
