"""Data types shared by the skills runtime: diagnostics, parsed files and loaded skills."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from specify.errors import SpecifyError

Severity = Literal["error", "warning"]
Scope = Literal["project", "extra", "user", "builtin"]

# Precedence of scopes, highest first: a name found in two scopes resolves to the earlier one.
SCOPE_ORDER: tuple[Scope, ...] = ("project", "extra", "user", "builtin")


@dataclass(frozen=True)
class Diagnostic:
    """One finding about a skill file, with the place it points at."""

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
        super().__init__(message, hint)
        self.diagnostic = diagnostic


class SkillParseError(SkillError):
    """A SKILL.md whose bytes or frontmatter cannot be parsed; ``diagnostic`` says where."""

    diagnostic: Diagnostic


@dataclass
class ParsedFile:
    """The result of splitting and parsing one SKILL.md.

    ``frontmatter`` is the YAML mapping; ``key_lines`` maps each top-level key to its line in
    the file (1-based); ``body_line`` is the file line where the body starts.
    """

    frontmatter: dict[str, Any]
    body: str
    body_line: int
    key_lines: dict[str, int]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    had_bom: bool = False
    quoted_retry: bool = False


@dataclass(frozen=True)
class Skill:
    """A skill that loaded: enough to list it, put it in a catalog and activate it."""

    name: str
    description: str
    location: Path  # absolute path of SKILL.md
    scope: Scope
    model_invocable: bool = True
    frontmatter: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def directory(self) -> Path:
        return self.location.parent


Status = Literal["loaded", "shadowed", "error", "untrusted", "managed"]


@dataclass
class SkillEntry:
    """One SKILL.md that discovery found, loaded or not, for `specify skill list`."""

    name: str | None
    scope: Scope
    location: Path
    status: Status
    skill: Skill | None = None
    shadowed_by: Path | None = None
    diagnostics: tuple[Diagnostic, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "scope": self.scope,
            "path": str(self.location),
            "status": self.status,
            "shadowed_by": str(self.shadowed_by) if self.shadowed_by else None,
            "model_invocable": self.skill.model_invocable if self.skill else None,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }
