"""Merge keys into a JSON-with-comments file without disturbing what the user wrote.

VS Code's ``settings.json`` allows ``//`` and ``/* */`` comments and trailing commas, so a
JSON round trip would lose the user's comments. :func:`merge_text` parses the text only to
find where objects and members start and end, then inserts the missing keys as text: every
existing byte, comment and value stays as it was. A key the user already set keeps the
user's value; when both sides hold an object, the merge continues inside it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from specify.errors import ArtifactError

_LITERAL = re.compile(r"-?(?:\d+\.?\d*(?:[eE][-+]?\d+)?)|true|false|null")


@dataclass
class _Value:
    start: int
    end: int  # one past the last character


@dataclass
class _Member:
    key: str
    key_start: int
    value: _Value
    comma: int | None = None  # index of the comma after the value, if any


@dataclass
class _Object(_Value):
    members: list[_Member] = field(default_factory=list)

    def find(self, key: str) -> _Member | None:
        for member in self.members:
            if member.key == key:
                return member
        return None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text

    def fail(self, index: int, expected: str) -> ArtifactError:
        line = self.text.count("\n", 0, index) + 1
        return ArtifactError(f"invalid JSON at line {line}: expected {expected}")

    def skip(self, i: int) -> int:
        """Skip whitespace and comments from ``i``; return the next significant index."""
        text = self.text
        while i < len(text):
            if text[i] in " \t\r\n":
                i += 1
            elif text.startswith("//", i):
                newline = text.find("\n", i)
                i = len(text) if newline < 0 else newline + 1
            elif text.startswith("/*", i):
                close = text.find("*/", i + 2)
                if close < 0:
                    raise self.fail(i, "'*/' to close the comment")
                i = close + 2
            else:
                break
        return i

    def value(self, i: int) -> _Value:
        i = self.skip(i)
        char = self.text[i : i + 1]
        if char == "{":
            return self.object(i)
        if char == "[":
            return self.array(i)
        if char == '"':
            return _Value(i, self.string_end(i))
        match = _LITERAL.match(self.text, i)
        if not match or match.end() == i:
            raise self.fail(i, "a value")
        return _Value(i, match.end())

    def string_end(self, i: int) -> int:
        j = i + 1
        while j < len(self.text):
            if self.text[j] == "\\":
                j += 2
            elif self.text[j] == '"':
                return j + 1
            elif self.text[j] == "\n":
                break
            else:
                j += 1
        raise self.fail(i, "a closing quote")

    def array(self, i: int) -> _Value:
        j = self.skip(i + 1)
        while self.text[j : j + 1] != "]":
            j = self.skip(self.value(j).end)
            if self.text[j : j + 1] == ",":
                j = self.skip(j + 1)
            elif self.text[j : j + 1] != "]":
                raise self.fail(j, "',' or ']'")
        return _Value(i, j + 1)

    def object(self, i: int) -> _Object:
        node = _Object(i, i)
        j = self.skip(i + 1)
        while self.text[j : j + 1] != "}":
            if self.text[j : j + 1] != '"':
                raise self.fail(j, "a quoted key or '}'")
            key_end = self.string_end(j)
            key = json.loads(self.text[j:key_end])
            colon = self.skip(key_end)
            if self.text[colon : colon + 1] != ":":
                raise self.fail(colon, "':'")
            member = _Member(key, j, self.value(colon + 1))
            node.members.append(member)
            j = self.skip(member.value.end)
            if self.text[j : j + 1] == ",":
                member.comma = j
                j = self.skip(j + 1)
            elif self.text[j : j + 1] != "}":
                raise self.fail(j, "',' or '}'")
        node.end = j + 1
        return node


def _line_indent(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    line = text[start:index]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _same_line(text: str, a: int, b: int) -> bool:
    return "\n" not in text[a:b]


class _Merger:
    def __init__(self, text: str, unit: str, newline: str) -> None:
        self.text = text
        self.unit = unit
        self.newline = newline
        self.inserts: list[tuple[int, int, str]] = []  # (start, end, replacement)
        self.added: list[str] = []

    def render(self, key: str, value: Any, indent: str) -> str:
        dumped = json.dumps(value, indent=self.unit, ensure_ascii=False)
        return indent + json.dumps(key) + ": " + dumped.replace("\n", self.newline + indent)

    def merge(self, node: _Object, data: dict[str, Any], indent: str, prefix: str) -> None:
        missing: dict[str, Any] = {}
        for key, value in data.items():
            member = node.find(key)
            if member is None:
                missing[key] = value
                self.added.append(prefix + key)
            elif isinstance(value, dict) and isinstance(member.value, _Object):
                inner = _line_indent(self.text, member.key_start) + self.unit
                self.merge(member.value, value, inner, f"{prefix}{key}.")
        if missing:
            self.insert(node, missing, indent)

    def insert(self, node: _Object, missing: dict[str, Any], indent: str) -> None:
        """Queue the insertion of ``missing`` into ``node``, matching its layout."""
        if node.members and _same_line(self.text, node.start, node.end):
            self.insert_inline(node, missing)
            return
        first = node.members[0].key_start if node.members else node.start
        if node.members and not _same_line(self.text, node.start, first):
            indent = _line_indent(self.text, first)
        lines = [self.render(key, value, indent) for key, value in missing.items()]
        if node.members:
            self.insert_after_last(node, lines)
        else:
            self.insert_into_empty(node, lines)

    def insert_inline(self, node: _Object, missing: dict[str, Any]) -> None:
        """Add members to a one-line object such as ``{"a": 1}``, keeping it on one line."""
        pairs = ", ".join(
            f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}" for key, value in missing.items()
        )
        last = node.members[-1]
        if last.comma is None:
            self.inserts.append((last.value.end, last.value.end, ", " + pairs))
        else:
            self.inserts.append((last.comma + 1, last.comma + 1, " " + pairs + ","))

    def insert_into_empty(self, node: _Object, lines: list[str]) -> None:
        nl = self.newline
        close = node.end - 1
        members = nl + ("," + nl).join(lines)
        if self.text[node.start + 1 : close].strip():
            # Only comments inside: put the members before them, with a trailing comma.
            self.inserts.append((node.start + 1, node.start + 1, members + ","))
        else:
            closing = nl + _line_indent(self.text, node.start)
            self.inserts.append((node.start + 1, close, members + closing))

    def insert_after_last(self, node: _Object, lines: list[str]) -> None:
        """Add members after the last one, keeping the trailing-comma style of the object."""
        text, nl = self.text, self.newline
        last = node.members[-1]
        trailing = last.comma is not None
        anchor = last.comma + 1 if trailing else last.value.end
        end_of_line = text.find("\n", anchor)

        # Insert after the line's own comment, so it stays with the member it describes.
        if 0 <= end_of_line < node.end - 1 and _Parser(text).skip(anchor) > end_of_line:
            position = end_of_line - 1 if text[end_of_line - 1 : end_of_line] == "\r" else end_of_line
        else:
            position = anchor

        if not trailing and position != anchor:
            self.inserts.append((anchor, anchor, ","))
        lead = "," if not trailing and position == anchor else ""
        block = lead + nl + ("," + nl).join(lines) + ("," if trailing else "")
        self.inserts.append((position, position, block))

    def result(self) -> str:
        text = self.text
        for start, end, replacement in sorted(self.inserts, key=lambda item: (item[0], item[1]), reverse=True):
            text = text[:start] + replacement + text[end:]
        return text


def _indent_unit(text: str, root: _Object) -> str:
    for member in root.members:
        if not _same_line(text, root.start, member.key_start):
            unit = _line_indent(text, member.key_start)
            if unit:
                return unit
    return "  "


def merge_text(text: str, data: dict[str, Any]) -> tuple[str, list[str]]:
    """Return ``text`` with the keys of ``data`` it lacks added, and the dotted keys added.

    Raises :class:`ArtifactError` when ``text`` is not JSON with comments holding an object.
    """
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    if not body.strip():
        return bom + json.dumps(data, indent=2, ensure_ascii=False) + "\n", sorted(data)
    parser = _Parser(body)
    start = parser.skip(0)
    if body[start : start + 1] != "{":
        raise parser.fail(start, "an object '{'")
    root = parser.object(start)
    if parser.skip(root.end) != len(body):
        raise parser.fail(parser.skip(root.end), "the end of the file")
    newline = "\r\n" if "\r\n" in body else "\n"
    merger = _Merger(body, _indent_unit(body, root), newline)
    merger.merge(root, data, merger.unit, "")
    return bom + merger.result(), merger.added
