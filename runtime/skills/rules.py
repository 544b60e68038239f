"""Frontmatter rules shared by the lenient loader and the strict validator.

:func:`check_fields` returns every finding once, each with the severity it has under the
strict validator and under the lenient loader (``None`` there means the loader accepts the
value without a word). The limits come from the Agent Skills specification. ``name`` has
1-64 characters of ``a-z``, ``0-9`` and single hyphens and equals the folder name.
``description`` has 1-1024 characters and ``compatibility`` up to 500.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

PROFILES = ("spec", "claude-code", "claude-api")
SPEC_KEYS = frozenset({"name", "description", "license", "compatibility", "metadata", "allowed-tools"})
# Keys Claude Code reads beyond the specification (Claude Code skills documentation, 2026).
CLAUDE_CODE_KEYS = frozenset({
    "when_to_use", "argument-hint", "arguments", "disable-model-invocation", "user-invocable",
    "disallowed-tools", "model", "effort", "context", "agent", "background", "hooks", "paths",
    "shell",
})
_CLAUDE_CODE_ALLOWED = SPEC_KEYS | CLAUDE_CODE_KEYS
RESERVED_WORDS = ("anthropic", "claude")
MAX_NAME = 64
MAX_DESCRIPTION = 1024
MAX_COMPATIBILITY = 500

_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_XML_TAG = re.compile(r"</?[A-Za-z][\w.:-]*(?:\s[^<>]*)?/?>")
_PLACEHOLDER = re.compile(r"\bTODO\b|\[TODO|<describe", re.IGNORECASE)
_TRUE_WORDS = frozenset({"true", "yes", "on", "1"})

Level = Literal["error", "warning"] | None


@dataclass(frozen=True)
class Finding:
    key: str
    code: str
    message: str
    strict: Level
    lenient: Level


def normalize_name(value: str) -> str:
    if value.isascii():  # NFKC leaves ASCII unchanged; skipping it saves time on every load
        return value.strip()
    return unicodedata.normalize("NFKC", value).strip()


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE_WORDS


def _name_shape(name: str) -> list[str]:
    if len(name) <= MAX_NAME and _NAME.match(name):
        return []
    problems = []
    if len(name) > MAX_NAME:
        problems.append(f"is {len(name)} characters long; the limit is {MAX_NAME}")
    if name != name.lower():
        problems.append("must be lowercase")
    if name.startswith("-") or name.endswith("-"):
        problems.append("must not start or end with a hyphen")
    if "--" in name:
        problems.append("must not contain two hyphens in a row")
    if not problems and not _NAME.match(name):
        problems.append("may contain only the letters a-z, digits 0-9 and hyphens")
    return problems


def check_name(value: Any, folder: str, profile: str) -> list[Finding]:
    """Check ``name``; the loader warns on every fault and falls back to the folder name."""
    if value is None:
        return [Finding("name", "name-missing", "'name' is missing; the folder name is used",
                        "error", "warning")]
    if not isinstance(value, str) or not value.strip():
        described = "empty" if isinstance(value, str) else f"a {type(value).__name__} ({value!r})"
        return [Finding("name", "name-type", f"'name' must be a non-empty string, not {described}; quote it",
                        "error", "warning")]
    name = normalize_name(value)
    findings = [Finding("name", "name-format", f"name '{name}' {problem}", "error", "warning")
                for problem in _name_shape(name)]
    if name != normalize_name(folder):
        findings.append(Finding("name", "name-folder",
                                f"name '{name}' differs from its folder name '{folder}'; rename one",
                                "error", "warning"))
    if profile == "claude-api":
        findings += _claude_api_text("name", name)
        for word in RESERVED_WORDS:
            if word in name.lower():
                findings.append(Finding("name", "reserved-word",
                                        f"name '{name}' contains the reserved word '{word}'",
                                        "error", None))
    return findings


def check_description(value: Any, profile: str) -> list[Finding]:
    """Check ``description``; a missing or empty one makes the loader skip the skill."""
    if value is None:
        return [Finding("description", "description-missing",
                        "'description' is missing; say what the skill does and when to use it",
                        "error", "error")]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return [Finding("description", "description-type",
                        f"'description' must be a string, not a {type(value).__name__}",
                        "error", "error")]
    text = value.strip()
    if not text:
        return [Finding("description", "description-empty", "'description' is empty", "error", "error")]
    findings = []
    if len(text) > MAX_DESCRIPTION:
        findings.append(Finding("description", "description-length",
                                f"description is {len(text)} characters long; the limit is {MAX_DESCRIPTION}",
                                "error", "warning"))
    lowered = text.lower()
    if ("todo" in lowered or "<describe" in lowered) and _PLACEHOLDER.search(text):
        findings.append(Finding("description", "description-placeholder",
                                "description is still a placeholder; replace it with what the skill "
                                "does and when to use it", "error", "warning"))
    if profile == "claude-api":
        findings += _claude_api_text("description", text)
    return findings


def _claude_api_text(key: str, text: str) -> list[Finding]:
    if _XML_TAG.search(text):
        return [Finding(key, "xml-tag", f"'{key}' contains an XML tag, which the Claude API rejects",
                        "error", None)]
    return []


def check_optional(frontmatter: dict[str, Any], profile: str) -> list[Finding]:
    """Check the optional keys and reject keys the profile does not know."""
    findings: list[Finding] = []
    for key in ("license", "compatibility"):
        value = frontmatter.get(key)
        if value is not None and not isinstance(value, str):
            findings.append(Finding(key, f"{key}-type", f"'{key}' must be a string", "error", "warning"))
    compatibility = frontmatter.get("compatibility")
    if compatibility is not None and isinstance(compatibility, str) and len(compatibility) > MAX_COMPATIBILITY:
        findings.append(Finding("compatibility", "compatibility-length",
                                f"compatibility is {len(compatibility)} characters long; "
                                f"the limit is {MAX_COMPATIBILITY}", "error", "warning"))
    findings += _check_metadata(frontmatter.get("metadata"))
    tools = frontmatter.get("allowed-tools")
    if tools is not None and not isinstance(tools, str):
        lenient_list = profile == "claude-code" and isinstance(tools, list)
        if not lenient_list:
            findings.append(Finding("allowed-tools", "allowed-tools-type",
                                    "'allowed-tools' must be a space-separated string such as 'Bash(git:*) Read'",
                                    "error", None))
    known = _CLAUDE_CODE_ALLOWED if profile == "claude-code" else SPEC_KEYS
    if frontmatter.keys() <= known:
        return findings
    for key in frontmatter:
        if key not in known:
            lenient: Level = None if key in CLAUDE_CODE_KEYS else "warning"
            findings.append(Finding(key, "unknown-key",
                                    f"unexpected key '{key}' for the '{profile}' profile "
                                    f"(allowed: {', '.join(sorted(known))})", "error", lenient))
    return findings


def _check_metadata(metadata: Any) -> list[Finding]:
    if metadata is None:
        return []
    if not isinstance(metadata, dict):
        return [Finding("metadata", "metadata-type", "'metadata' must be a mapping of strings to strings",
                        "error", "warning")]
    if all(type(v) is str for v in metadata.values()):
        return []
    odd = sorted(str(k) for k, v in metadata.items() if not isinstance(v, str))
    if odd:
        return [Finding("metadata", "metadata-value",
                        f"metadata values should be strings; quote {', '.join(odd)}", "warning", None)]
    return []


def check_fields(frontmatter: dict[str, Any], folder: str, profile: str = "spec") -> list[Finding]:
    """Return every finding about the frontmatter under ``profile``."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}")
    return (check_name(frontmatter.get("name"), folder, profile)
            + check_description(frontmatter.get("description"), profile)
            + check_optional(frontmatter, profile))
