"""Data types shared by the skills runtime: diagnostics, parsed files and loaded skills."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from specify.errors import SpecifyError

Severity = Literal["error", "warning"]
Scope = Literal["project", "extra", "user", "builtin"]

# Precedence of scopes, highest first: a name found in two scopes resolves to the earlier one.
SCOPE_ORDER: tuple[Scope, ...] = ("project", "extra", "user", "builtin")


@dataclass(frozen=True)
class Diagnostic:
    """One finding about a skill file, with the place it points at.

    ``line`` is 1-based; 0 means the finding is about the file as a whole (a symlink, a
    nested SKILL.md, a missing file).
    """

    file: str
    line: int
    severity: Severity
    code: str
    message: str
    column: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: {self.severity}: {self.message} [{self.code}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


class SkillError(SpecifyError):
    """A skill that cannot be read, parsed, activated, packaged or installed."""

    def __init__(self, message: str, hint: str | None = None, diagnostic: Diagnostic | None = None):
        # The CLI prints "message hint" on one line, so the message must end its sentence.
        if hint and not message.rstrip().endswith((".", "?", "!")):
            message = message.rstrip() + "."
        super().__init__(message, hint)
        self.diagnostic = diagnostic


class SkillParseError(SkillError):
    """A SKILL.md whose bytes or frontmatter cannot be parsed; ``diagnostic`` names file and line."""

    diagnostic: Diagnostic


@dataclass
class ParsedFile:
    """The result of splitting and parsing one SKILL.md.

    ``frontmatter`` is the YAML mapping; ``body_line`` is the file line where the body starts;
    ``frontmatter_line`` the file line of the first frontmatter line.
    """

    frontmatter: dict[str, Any]
    body: str
    body_line: int
    frontmatter_text: str
    frontmatter_line: int
    diagnostics: list[Diagnostic] = field(default_factory=list)
    had_bom: bool = False
    quoted_retry: bool = False

    @cached_property
    def key_lines(self) -> dict[str, int]:
        """Each top-level key's file line (1-based), computed when a diagnostic needs it."""
        from runtime.skills.parser import key_lines

        return key_lines(self.frontmatter_text, self.frontmatter_line)[0]


@dataclass(frozen=True)
class Skill:
    """A skill that loaded: enough to list it, put it in a catalog and activate it."""

    name: str
    description: str
    path: str  # absolute path of SKILL.md
    scope: Scope
    model_invocable: bool = True
    frontmatter: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    diagnostics: tuple[Diagnostic, ...] = ()

    @cached_property
    def location(self) -> Path:
        """Absolute path of SKILL.md (built on first use; discovery handles plain strings)."""
        return Path(self.path)

    @property
    def directory(self) -> Path:
        return self.location.parent

    @cached_property
    def catalog_entry(self) -> str:
        """This skill's catalog entry, built once per loaded skill."""
        from runtime.skills.catalog import render_entry

        return render_entry(self, " ".join(self.description.split()))


Status = Literal["loaded", "shadowed", "error", "untrusted", "managed"]


@dataclass(frozen=True)
class SkillEntry:
    """One SKILL.md that discovery found, loaded or not, for `specify skill list`."""

    name: str | None
    scope: Scope
    path: str  # absolute path of SKILL.md
    status: Status
    skill: Skill | None = None
    shadowed_by: Path | None = None
    diagnostics: tuple[Diagnostic, ...] = ()

    @cached_property
    def location(self) -> Path:
        return Path(self.path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "scope": self.scope,
            "path": self.path,
            "status": self.status,
            "shadowed_by": str(self.shadowed_by) if self.shadowed_by else None,
            "model_invocable": self.skill.model_invocable if self.skill else None,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }
