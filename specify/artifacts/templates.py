"""Find artifact templates and fill their placeholders.

Lookup order for a template ``NAME`` (for example ``spec-template.md``), first match wins:

1. ``.specify/templates/overrides/NAME``, the project's own override;
2. ``.specify/templates/NAME``, the copy ``specify init`` wrote;
3. the bundled ``templates/artifacts/NAME``.

Placeholders are ``[UPPER_CASE]`` tokens with at least one underscore, such as
``[FEATURE_NAME]`` or ``[PRINCIPLE_1_NAME]`` (see ``templates/artifacts/README.md``). The
same tokens tell a reader, a host agent or :func:`has_placeholders` that a file is still a
skeleton. A few spec-kit tokens (``[FEATURE NAME]``, ``[###-feature-name]``, ``[DATE]``,
``$ARGUMENTS``) are filled as well, so a project's spec-kit templates keep working.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from specify.errors import ArtifactError
from specify.resources import templates_dir

PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\]")
# spec-kit's template tokens and the placeholder each one stands for.
SPECKIT_ALIASES = {
    "[FEATURE NAME]": "FEATURE_NAME",
    "[###-feature-name]": "BRANCH_NAME",
    "[DATE]": "CREATED_DATE",
    "$ARGUMENTS": "USER_DESCRIPTION",
}
_FILLABLE = re.compile("|".join([*map(re.escape, SPECKIT_ALIASES), PLACEHOLDER.pattern]))
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def bundled_artifacts_dir() -> Path:
    return templates_dir() / "artifacts"


def bundled_artifact_templates() -> list[str]:
    """Return the file names of the bundled artifact templates, for ``specify init`` to copy."""
    return sorted(p.name for p in bundled_artifacts_dir().glob("*.md") if p.name != "README.md")


def template_candidates(root: Path | None, name: str) -> list[Path]:
    """Return the places searched for template ``name``, highest precedence first."""
    candidates: list[Path] = []
    if root is not None:
        base = root / ".specify" / "templates"
        candidates += [base / "overrides" / name, base / name]
    candidates.append(bundled_artifacts_dir() / name)
    return candidates


def resolve_template(root: Path | None, name: str) -> Path:
    """Return the template file that applies to ``name`` in project ``root``."""
    if not name or Path(name).name != name:
        raise ArtifactError(f"Template name {name!r} is not a plain file name.", "Use a name like spec-template.md.")
    candidates = template_candidates(root, name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    known = ", ".join(bundled_artifact_templates())
    raise ArtifactError(
        f"Template {name} not found; looked in {', '.join(map(str, candidates))}.",
        f"Bundled templates: {known}.",
    )


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """Replace ``[KEY]`` for each key in ``values``, plus spec-kit's aliases; leave the rest.

    One pass over ``text``, so a filled value that itself contains a token stays as written.
    """

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        key = SPECKIT_ALIASES.get(token, token[1:-1])
        return values.get(key, token)

    return _FILLABLE.sub(replace, text)


def prose_lines(text: str) -> list[tuple[int, str]]:
    """Return ``(line number, line)`` pairs outside fenced code and HTML comments."""
    text = _HTML_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    lines: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
            continue
        if fence is None:
            lines.append((number, line))
    return lines


def find_placeholders(text: str) -> list[str]:
    """Return the unfilled ``[UPPER_CASE]`` tokens in prose, in order of appearance."""
    return [m.group(0) for _, line in prose_lines(text) for m in PLACEHOLDER.finditer(line)]


def has_placeholders(text: str) -> bool:
    return bool(find_placeholders(text))
