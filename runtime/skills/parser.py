"""Parse a SKILL.md: decode the bytes, split the frontmatter, load the YAML.

One parser serves the lenient loader and the strict validator; they differ only in what
they do with the diagnostics. Every fault comes back as a :class:`SkillParseError` whose
``diagnostic`` names the file, the line and the reason, never as another exception.

Accepted: a UTF-8 byte-order mark, CRLF or lone CR line endings, trailing blanks on the
delimiter lines, end of file right after the closing ``---``. The closing delimiter is the
first line that is exactly ``---``, so ``before---after`` inside a value is data. A value
with an unquoted ``: `` (``description: Use when: ...``) is invalid YAML; the parser retries
once with such values double-quoted and records a ``quoted-retry`` warning.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import yaml

from runtime.skills.model import Diagnostic, ParsedFile, SkillParseError

# PyYAML's libyaml binding is about 5x faster than the pure-Python loader.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A top-level `key: value` whose plain (unquoted) value contains ': ' or ends in ':'.
_UNQUOTED_COLON = re.compile(r"^([A-Za-z0-9_-]+):[ \t]+([^\s\"'|>\[{&*!%@`#][^\n]*?)[ \t]*$")
# The start of a top-level `key:` line; used to spot duplicate keys, which YAML loaders accept.
_TOP_KEY = re.compile(r"^([^\s#:\-][^:\n]*):", re.MULTILINE)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
# PyYAML's constructors raise these besides YAMLError on some tagged values, for example
# ValueError for `2024-99-99` and AttributeError for `!!timestamp x` (PyYAML 6.0).
_YAML_FAULTS = (yaml.YAMLError, ValueError, TypeError, AttributeError, KeyError, IndexError,
                RecursionError, OverflowError)


def _fail(file: str, line: int, code: str, message: str, hint: str, column: int | None = None):
    diagnostic = Diagnostic(file, line, "error", code, message, column)
    error = SkillParseError(f"{file}:{line}: {message}", hint, diagnostic)
    return error


def _looks_utf16(data: bytes) -> bool:
    if data.startswith(_UTF16_BOMS):
        return True
    head = data[:64]
    # ASCII text in UTF-16 has a zero byte in every other position.
    return len(head) >= 4 and head.count(0) * 3 >= len(head)


def decode_skill_bytes(data: bytes, file: str) -> tuple[str, bool]:
    """Decode ``data`` as UTF-8 and normalise line endings to ``\\n``.

    Returns the text and whether a UTF-8 byte-order mark was stripped.
    """
    if _looks_utf16(data):
        raise _fail(file, 1, "encoding", "file is UTF-16 (or UTF-32) encoded, not UTF-8",
                    "Save SKILL.md as UTF-8.")
    had_bom = data.startswith(_UTF8_BOM)
    if had_bom:
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if had_bom else 0)
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise _fail(file, line, "encoding",
                    f"invalid UTF-8 byte 0x{bad} at byte offset {offset}",
                    "Save SKILL.md as UTF-8 (the byte looks like Latin-1 or Windows-1252 text).",
                    column) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, had_bom


def key_lines(frontmatter_text: str, first_line: int) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """Map each top-level key to its file line; also return keys that appear twice."""
    lines: dict[str, int] = {}
    duplicates: list[tuple[str, int]] = []
    for offset, line in enumerate(frontmatter_text.split("\n")):
        if not line or line[0] in " \t#-:" or ":" not in line:
            continue
        key = line.split(":", 1)[0].rstrip().strip("\"'")
        if key in lines:
            duplicates.append((key, first_line + offset))
        else:
            lines[key] = first_line + offset
    return lines, duplicates


def _quote_colon_values(frontmatter_text: str) -> tuple[str, list[tuple[int, str, int]]]:
    """Double-quote plain values that contain ': '; return the new text and what changed."""
    changed: list[tuple[int, str, int]] = []
    out_lines = frontmatter_text.split("\n")
    for index, line in enumerate(out_lines):
        match = _UNQUOTED_COLON.match(line)
        if not match:
            continue
        value = match.group(2)
        colon = value.find(": ")
        if colon < 0 and not value.endswith(":"):
            continue
        if colon < 0:
            colon = len(value) - 1
        out_lines[index] = f"{match.group(1)}: {json.dumps(value, ensure_ascii=False)}"
        changed.append((index, match.group(1), match.start(2) + colon + 1))
    return "\n".join(out_lines), changed


def _load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader


def _yaml_error(exc: Exception, file: str, first_line: int) -> SkillParseError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = first_line + (mark.line if mark is not None else 0)
    column = mark.column + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return _fail(file, line, "yaml", f"invalid YAML in frontmatter: {problem}",
                 "Fix the YAML; quote values that contain ': ' or start with a special character.",
                 column)


def parse_frontmatter_yaml(frontmatter_text: str, file: str, first_line: int) -> tuple[Any, list[Diagnostic]]:
    """Load the YAML between the delimiters, retrying once with colon values quoted."""
    try:
        return _load_yaml(frontmatter_text), []
    except _YAML_FAULTS as exc:
        original = exc

    quoted, changed = _quote_colon_values(frontmatter_text)
    if not changed:
        raise _yaml_error(original, file, first_line)
    try:
        data = _load_yaml(quoted)
    except _YAML_FAULTS:
        raise _yaml_error(original, file, first_line) from None
    diagnostics = [
        Diagnostic(file, first_line + index, "warning", "quoted-retry",
                   f"the value of '{key}' contains an unquoted ': ' and is invalid YAML; "
                   "it was read as if quoted. Quote the value or use a '>' block.", column)
        for index, key, column in changed
    ]
    return data, diagnostics


def _find_closing(text: str, newline: int) -> tuple[int, int] | None:
    """Return (start, end) of the first line after ``newline`` that is exactly ``---``.

    Trailing blanks are allowed. ``str.find`` is used instead of a multiline regex, which
    tests every position of the text.
    """
    while True:
        newline = text.find("\n---", newline)
        if newline < 0:
            return None
        start = newline + 1
        end = text.find("\n", start + 3)
        if end < 0:
            end = len(text)
        if not text[start + 3 : end].strip(" \t"):
            return start, end
        newline = start


def _split(text: str, file: str) -> tuple[str, int, str, int, int]:
    """Return (frontmatter text, its first file line, body, body's first line, blank lines skipped)."""
    stripped = text.lstrip("\n") if text.startswith("\n") else text
    skipped = len(text) - len(stripped)
    first_newline = stripped.find("\n")
    opener = stripped if first_newline < 0 else stripped[:first_newline]
    if opener.rstrip(" \t") != "---":
        raise _fail(file, skipped + 1, "no-frontmatter",
                    "no YAML frontmatter: SKILL.md must start with a line '---'",
                    "Add '---', the name and description keys, and a closing '---' at the top.")
    rest_start = len(opener) + 1
    closing = _find_closing(stripped, first_newline) if first_newline >= 0 else None
    if closing is None:
        raise _fail(file, skipped + 1, "unclosed-frontmatter",
                    "frontmatter is not closed: no line '---' after the opening one",
                    "Add a line '---' after the last frontmatter key.")
    frontmatter_text = stripped[rest_start : closing[0]]
    first_line = skipped + 2
    body_start = closing[1] + 1
    body_line = first_line + frontmatter_text.count("\n") + 1
    return frontmatter_text, first_line, stripped[body_start:], body_line, skipped


def parse_skill_text(text: str, file: str, *, had_bom: bool = False) -> ParsedFile:
    """Parse decoded SKILL.md text; raise :class:`SkillParseError` on a fatal fault."""
    frontmatter_text, first_line, body, body_line, skipped = _split(text, file)
    data, diagnostics = parse_frontmatter_yaml(frontmatter_text, file, first_line)
    if data is None:
        raise _fail(file, first_line, "empty-frontmatter", "frontmatter is empty",
                    "Add at least 'name:' and 'description:' between the '---' lines.")
    if not isinstance(data, dict):
        raise _fail(file, first_line, "not-mapping",
                    f"frontmatter must be a YAML mapping of keys to values, not a {type(data).__name__}",
                    "Write one 'key: value' per line.")

    keys = _TOP_KEY.findall(frontmatter_text)
    duplicates = key_lines(frontmatter_text, first_line)[1] if len(set(keys)) != len(keys) else []
    for key, line in duplicates:
        diagnostics.append(Diagnostic(file, line, "warning", "duplicate-key",
                                      f"key '{key}' appears more than once; the last value is used"))
    if skipped:
        diagnostics.append(Diagnostic(file, 1, "warning", "leading-blank-lines",
                                      f"{skipped} blank line(s) before the opening '---'"))
    parsed = ParsedFile({str(k): v for k, v in data.items()}, body, body_line, frontmatter_text,
                        first_line, diagnostics)
    parsed.had_bom = had_bom
    parsed.quoted_retry = any(d.code == "quoted-retry" for d in diagnostics)
    return parsed


def parse_skill_bytes(data: bytes, file: str) -> ParsedFile:
    """Decode and parse the bytes of a SKILL.md."""
    text, had_bom = decode_skill_bytes(data, file)
    return parse_skill_text(text, file, had_bom=had_bom)


def read_head(path: Path | str, limit: int) -> tuple[bytes, int]:
    """Read at most ``limit`` bytes, cut after the last newline when the file is longer.

    Returns the bytes and the file size. The cut keeps UTF-8 sequences whole because a newline
    byte never occurs inside one. Plain ``os.read`` calls sized to the file keep this cheap
    for the many small files discovery reads.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        size = os.fstat(fd).st_size
        want = min(size, limit) + 1
        chunks = []
        while want > 0:
            chunk = os.read(fd, want)
            if not chunk:
                break
            chunks.append(chunk)
            want -= len(chunk)
    finally:
        os.close(fd)
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if len(data) <= limit:
        return data, len(data)
    cut = data.rfind(b"\n", 0, limit)
    return data[: cut + 1 if cut >= 0 else limit], max(size, len(data))


def parse_skill_file(path: Path | str, *, head_limit: int | None = None) -> ParsedFile:
    """Read and parse ``path``; with ``head_limit`` only that many leading bytes are read."""
    file = os.fspath(path)
    try:
        if head_limit is None:
            data = Path(path).read_bytes()
        else:
            data, _ = read_head(path, head_limit)
    except OSError as exc:
        raise _fail(file, 1, "unreadable", f"cannot read the file: {exc.strerror or exc}",
                    "Check that the file exists and is readable.") from None
    return parse_skill_bytes(data, file)
