"""Strict validation of skills for `specify skill validate`, with every error per skill.

Profiles: ``spec`` allows the six keys of the Agent Skills specification. ``claude-code``
also accepts Claude Code's extra keys and a YAML list for ``allowed-tools``. ``claude-api``
allows the six keys, and it rejects XML tags in ``name`` and ``description`` and the
reserved words ``anthropic`` and ``claude`` in ``name``. Warnings, in every profile: a body over 500
lines, links to missing files, links that leave the skill folder, symlinks that resolve
outside it, and a SKILL.md nested inside the skill.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from runtime.skills.discovery import SKILL_FILE, walk_skill_files
from runtime.skills.model import Diagnostic, ParsedFile, SkillParseError
from runtime.skills.parser import parse_skill_bytes
from runtime.skills.rules import PROFILES, check_fields

MAX_BODY_LINES = 500
MAX_WALKED = 5000
_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^\n]*?[\"'])?\s*\)")
_RESOURCE_PATH = re.compile(r"(?<![\w/.-])((?:scripts|references|assets)/[\w./-]*\w)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_STRICT_PARSE_CODES = {"quoted-retry": "error", "duplicate-key": "error", "leading-blank-lines": "error"}


@dataclass
class ValidationReport:
    """The verdict on one skill: its path, its name when readable, and every diagnostic."""

    path: Path
    name: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {"path": str(self.path), "name": self.name, "valid": self.valid,
                "errors": [d.to_dict() for d in self.errors],
                "warnings": [d.to_dict() for d in self.warnings]}


def _strict_parse_diagnostics(parsed: ParsedFile, file: str) -> list[Diagnostic]:
    diagnostics = []
    for d in parsed.diagnostics:
        severity = _STRICT_PARSE_CODES.get(d.code, d.severity)
        message = d.message
        if d.code == "quoted-retry":
            message = message.replace("; it was read as if quoted. Quote", ". Quote")
        diagnostics.append(Diagnostic(d.file, d.line, severity, d.code, message, d.column))  # type: ignore[arg-type]
    if parsed.had_bom:
        diagnostics.append(Diagnostic(file, 1, "warning", "bom",
                                      "file starts with a UTF-8 byte-order mark, which some tools reject"))
    return diagnostics


def _body_diagnostics(parsed: ParsedFile, file: str, folder: Path) -> list[Diagnostic]:
    diagnostics = []
    lines = parsed.body.count("\n") + (0 if parsed.body.endswith("\n") else 1)
    if not parsed.body.strip():
        diagnostics.append(Diagnostic(file, parsed.body_line, "warning", "empty-body",
                                      "the body is empty; add the instructions the model should follow"))
    elif lines > MAX_BODY_LINES:
        diagnostics.append(Diagnostic(file, parsed.body_line, "warning", "body-length",
                                      f"the body has {lines} lines; keep it under {MAX_BODY_LINES} and "
                                      "move detail into references/"))
    diagnostics += _reference_diagnostics(parsed, file, folder)
    return diagnostics


def _reference_diagnostics(parsed: ParsedFile, file: str, folder: Path) -> list[Diagnostic]:
    body = _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), parsed.body)
    targets: dict[str, int] = {}
    for pattern in (_LINK, _RESOURCE_PATH):
        for match in pattern.finditer(body):
            targets.setdefault(match.group(1), parsed.body_line + body.count("\n", 0, match.start()))
    real_folder = os.path.realpath(folder)
    diagnostics = []
    for target, line in targets.items():
        if target.startswith("#") or _SCHEME.match(target):
            continue
        path = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if not path:
            continue
        resolved = os.path.realpath(os.path.join(folder, path))
        if os.path.isabs(path) or not (resolved + os.sep).startswith(real_folder + os.sep):
            diagnostics.append(Diagnostic(file, line, "warning", "link-outside",
                                          f"'{target}' points outside the skill folder"))
        elif not os.path.exists(resolved):
            diagnostics.append(Diagnostic(file, line, "warning", "missing-file",
                                          f"'{target}' does not exist in the skill folder "
                                          "(names are case-sensitive)"))
    return diagnostics


def folder_diagnostics(folder: Path) -> list[Diagnostic]:
    """Warn about symlinks that resolve outside ``folder`` and SKILL.md files nested in it."""
    real_folder = os.path.realpath(folder)
    diagnostics = []
    walked = 0
    for current, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(dirs + files):
            walked += 1
            path = os.path.join(current, name)
            relative = os.path.relpath(path, folder)
            if os.path.islink(path):
                target = os.path.realpath(path)
                if not (target + os.sep).startswith(real_folder + os.sep):
                    diagnostics.append(Diagnostic(path, 0, "warning", "symlink-escape",
                                                  f"symlink {relative} resolves outside the skill folder "
                                                  f"(to {target}); replace it with a copy"))
            elif name == SKILL_FILE and current != str(folder):
                diagnostics.append(Diagnostic(path, 0, "warning", "nested-skill",
                                              f"{relative} is a skill inside this skill; it is treated as "
                                              "a resource and not loaded. Move it next to this one"))
        if walked > MAX_WALKED:
            break
    return diagnostics


def validate_skill(path: Path, profile: str = "spec") -> ValidationReport:
    """Validate one skill folder (or its SKILL.md) under ``profile``."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}")
    path = Path(path)
    folder = path.parent if path.name in (SKILL_FILE, "skill.md") and path.is_file() else path
    skill_md = folder / SKILL_FILE
    report = ValidationReport(skill_md.absolute())
    if not folder.exists():
        report.diagnostics.append(Diagnostic(str(path), 0, "error", "missing-file",
                                             f"{path} does not exist; give a skill folder or its SKILL.md"))
        return report
    if not folder.is_dir():
        report.diagnostics.append(Diagnostic(str(path), 0, "error", "missing-file",
                                             f"{path} is a file but not a SKILL.md; give a skill folder or its SKILL.md"))
        return report
    if not skill_md.is_file() or SKILL_FILE not in os.listdir(folder):
        message = "missing SKILL.md" + (" (found skill.md; rename it to SKILL.md)"
                                        if (folder / "skill.md").is_file() else "")
        report.diagnostics.append(Diagnostic(str(skill_md), 0, "error", "missing-file", message))
        return report

    file = str(skill_md)
    try:
        parsed = parse_skill_bytes(skill_md.read_bytes(), file)
    except SkillParseError as exc:
        report.diagnostics.append(exc.diagnostic)
    else:
        report.diagnostics += _strict_parse_diagnostics(parsed, file)
        fallback = min(parsed.key_lines.values(), default=parsed.body_line)
        for finding in check_fields(parsed.frontmatter, folder.name, profile):
            if finding.strict is not None:
                line = parsed.key_lines.get(finding.key, fallback)
                report.diagnostics.append(Diagnostic(file, line, finding.strict, finding.code, finding.message))
        name = parsed.frontmatter.get("name")
        report.name = name if isinstance(name, str) else None
        report.diagnostics += _body_diagnostics(parsed, file, folder)
    report.diagnostics += folder_diagnostics(folder)
    return report


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """Turn each path into skill folders: a skill itself, or every skill found under it."""
    folders: list[Path] = []
    warnings: list[str] = []
    for path in paths:
        path = Path(path)
        if path.is_file() or (path / SKILL_FILE).is_file() or (path / "skill.md").is_file():
            folders.append(path)
            continue
        if not path.is_dir():
            folders.append(path)  # reported as missing SKILL.md
            continue
        walk = walk_skill_files(path)
        warnings += walk.warnings
        folders += [Path(found.location).parent for found in walk.found] or [path]
    return folders, warnings


def validate_paths(paths: Iterable[Path], profile: str = "spec") -> tuple[list[ValidationReport], list[str]]:
    """Validate every skill under ``paths`` in one process."""
    folders, warnings = expand_paths(paths)
    return [validate_skill(folder, profile) for folder in folders], warnings
