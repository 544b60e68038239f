"""File tools: read, list, search (read-only) and write, edit (implement only)."""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

from runtime.tools.base import Tool, ToolError
from runtime.tools.workspace import Workspace
from specify.fsutil import atomic_write_text

MAX_READ_CHARS = 40_000
MAX_LIST_ENTRIES = 400
MAX_SEARCH_HITS = 100
MAX_WRITE_BYTES = 1_000_000
SKIPPED_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".specify"}


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise ToolError(f"{path.name} is a binary file ({len(data)} bytes); it is not shown.")
    return data.decode("utf-8", errors="replace")


def read_tools(workspace: Workspace) -> list[Tool]:
    def read_file(path: str, offset: int = 0, limit: int = MAX_READ_CHARS) -> str:
        real = workspace.resolve(path)
        if not real.is_file():
            raise ToolError(f"File not found: {path}.")
        text = _read_text(real)
        limit = max(1, min(int(limit), MAX_READ_CHARS))
        chunk = text[int(offset): int(offset) + limit]
        rest = len(text) - int(offset) - len(chunk)
        return chunk + (f"\n[... {rest} more characters; read again with offset]" if rest > 0 else "")

    def list_dir(path: str = ".") -> str:
        real = workspace.resolve(path)
        if not real.is_dir():
            raise ToolError(f"Not a folder: {path}.")
        entries = sorted(real.iterdir(), key=lambda p: p.name)
        lines = [f"{p.name}/" if p.is_dir() else p.name for p in entries[:MAX_LIST_ENTRIES]]
        if len(entries) > MAX_LIST_ENTRIES:
            lines.append(f"[... {len(entries) - MAX_LIST_ENTRIES} more entries]")
        return "\n".join(lines) or "(empty folder)"

    def search(pattern: str, glob: str = "*") -> str:
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise ToolError(f"Invalid regular expression {pattern!r}: {exc}.") from exc
        hits: list[str] = []
        for folder, dirs, names in os.walk(workspace.root):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            for name in sorted(names):
                if not fnmatch.fnmatch(name, glob):
                    continue
                path = Path(folder) / name
                try:
                    text = _read_text(path)
                except (ToolError, OSError):
                    continue
                for number, line in enumerate(text.splitlines(), 1):
                    if regex.search(line):
                        hits.append(f"{workspace.relative(path)}:{number}: {line[:200]}")
                        if len(hits) >= MAX_SEARCH_HITS:
                            return "\n".join(hits + ["[... more matches not shown]"])
        return "\n".join(hits) or "No matches."

    path_schema = {"type": "string", "description": "Path relative to the repository root."}
    return [
        Tool("read_file", "Read a text file of the repository.", {
            "type": "object",
            "properties": {"path": path_schema, "offset": {"type": "integer"}, "limit": {"type": "integer"}},
            "required": ["path"],
        }, read_file),
        Tool("list_dir", "List a folder of the repository.", {
            "type": "object", "properties": {"path": path_schema},
        }, list_dir),
        Tool("search", "Search the repository's text files for a regular expression.", {
            "type": "object",
            "properties": {"pattern": {"type": "string"}, "glob": {"type": "string", "description": "File name pattern, e.g. *.py"}},
            "required": ["pattern"],
        }, search),
    ]


def write_tools(workspace: Workspace, on_write=None) -> list[Tool]:  # type: ignore[no-untyped-def]
    """Return write_file and edit_file; ``on_write(path)`` is called after each write."""

    def write_file(path: str, content: str) -> str:
        real = workspace.resolve_for_write(path)
        data = content.encode("utf-8")
        if len(data) > MAX_WRITE_BYTES:
            raise ToolError(f"Content for {path} is {len(data)} bytes; the limit is {MAX_WRITE_BYTES}.")
        if real.is_dir():
            raise ToolError(f"{path} is a folder.")
        atomic_write_text(real, content)
        if on_write:
            on_write(real)
        return f"Wrote {len(data)} bytes to {workspace.relative(real)}."

    def edit_file(path: str, old: str, new: str) -> str:
        real = workspace.resolve_for_write(path)
        if not real.is_file():
            raise ToolError(f"File not found: {path}.")
        text = _read_text(real)
        count = text.count(old)
        if count != 1:
            raise ToolError(f"The text to replace occurs {count} times in {path}; it must occur exactly once.")
        atomic_write_text(real, text.replace(old, new, 1))
        if on_write:
            on_write(real)
        return f"Edited {workspace.relative(real)}."

    path_schema = {"type": "string", "description": "Path relative to the repository root."}
    return [
        Tool("write_file", "Create or replace a file in the repository.", {
            "type": "object", "properties": {"path": path_schema, "content": {"type": "string"}},
            "required": ["path", "content"],
        }, write_file, read_only=False),
        Tool("edit_file", "Replace one exact occurrence of text in a file.", {
            "type": "object",
            "properties": {"path": path_schema, "old": {"type": "string"}, "new": {"type": "string"}},
            "required": ["path", "old", "new"],
        }, edit_file, read_only=False),
    ]
