"""Load one skill leniently, with a cache keyed by path, size and modification time.

The lenient policy follows the Agent Skills client guidance. Cosmetic faults load with a
warning: name format, a name that differs from the folder, a long description, unknown keys.
A missing or empty description, undecodable bytes and unparseable YAML skip the skill with
an error.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.skills.model import Diagnostic, ParsedFile, Scope, Skill, SkillEntry, SkillParseError
from runtime.skills.parser import parse_skill_file
from runtime.skills.rules import as_bool, check_fields, normalize_name

# Discovery parses only the head of a SKILL.md; the body is read again on activation.
HEAD_LIMIT = 256 * 1024
# A file changed again within the filesystem's timestamp resolution can keep its mtime, so
# nothing modified in the last 2 s is cached (2 s is the coarsest common resolution, FAT's).
RACY_WINDOW_NS = 2_000_000_000


def is_settled(mtime_ns: int) -> bool:
    """Return True when a file with this mtime can be cached without the racy-mtime risk."""
    return mtime_ns < time.time_ns() - RACY_WINDOW_NS


@dataclass(frozen=True)
class LoadResult:
    """A loaded skill, or ``None`` with the error that skipped it, plus every diagnostic.

    ``entry`` is the listing row for the file when no other skill shadows it.
    """

    skill: Skill | None
    diagnostics: tuple[Diagnostic, ...]
    entry: SkillEntry


def lenient_diagnostics(parsed: ParsedFile, file: str, folder: str) -> list[Diagnostic]:
    """Turn the field findings into diagnostics at their lenient severity."""
    diagnostics = list(parsed.diagnostics)
    for finding in check_fields(parsed.frontmatter, folder, "claude-code"):
        if finding.lenient is None:
            continue
        fallback_line = min(parsed.key_lines.values(), default=parsed.body_line)
        line = parsed.key_lines.get(finding.key, fallback_line)
        diagnostics.append(Diagnostic(file, line, finding.lenient, finding.code, finding.message))
    return diagnostics


def build_skill(parsed: ParsedFile, file: str, scope: Scope) -> LoadResult:
    """Apply the lenient policy to a parsed file; ``file`` is the absolute path of SKILL.md."""
    folder = os.path.basename(os.path.dirname(file))
    diagnostics = tuple(lenient_diagnostics(parsed, file, folder))
    if any(d.severity == "error" for d in diagnostics):
        return _failed(file, scope, diagnostics)

    frontmatter = parsed.frontmatter
    raw_name = frontmatter.get("name")
    name = normalize_name(raw_name) if isinstance(raw_name, str) and raw_name.strip() else folder
    description = str(frontmatter["description"]).strip()
    invocable = not as_bool(frontmatter.get("disable-model-invocation", False))
    skill = Skill(name, description, file, scope, invocable, frontmatter, diagnostics)
    entry = SkillEntry(name, scope, file, "loaded", skill, None, diagnostics)
    return LoadResult(skill, diagnostics, entry)


def _failed(file: str, scope: Scope, diagnostics: tuple[Diagnostic, ...]) -> LoadResult:
    folder = os.path.basename(os.path.dirname(file))
    entry = SkillEntry(folder, scope, file, "error", None, None, diagnostics)
    return LoadResult(None, diagnostics, entry)


def load_skill(location: Path | str, scope: Scope) -> LoadResult:
    """Load the SKILL.md at ``location`` (an absolute path) under the lenient policy."""
    file = os.fspath(location)
    try:
        parsed = parse_skill_file(file, head_limit=HEAD_LIMIT)
    except SkillParseError as exc:
        return _failed(file, scope, (exc.diagnostic,))
    return build_skill(parsed, file, scope)


class SkillCache:
    """Load results keyed by (path, scope), reused while size and mtime are unchanged.

    Discovery also keeps its folder walks (``walks``) and whole results (``results``) here.
    Files modified in the last :data:`RACY_WINDOW_NS` are not cached. The cache lives only as
    long as the process.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[int, int, LoadResult]] = {}
        self._lock = threading.Lock()
        self.walks: dict[str, Any] = {}
        self.results: dict[Any, Any] = {}

    def load(self, location: Path | str, scope: Scope, stat: os.stat_result | None = None) -> LoadResult:
        key = (str(location), scope)
        if stat is None:
            stat = os.stat(location)
        cached = self._entries.get(key)
        if cached is not None and cached[0] == stat.st_size and cached[1] == stat.st_mtime_ns:
            return cached[2]
        result = load_skill(location, scope)
        if is_settled(stat.st_mtime_ns):
            with self._lock:
                self._entries[key] = (stat.st_size, stat.st_mtime_ns, result)
        return result

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.walks.clear()
            self.results.clear()


DEFAULT_CACHE = SkillCache()

