"""Helpers for the skills tests: write skill folders and discover them without side effects."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.skills import SkillCache, SkillSet, discover

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "skills"
REPO_SKILLS = Path(__file__).resolve().parents[2] / "skills"


def write_skill(parent: Path, folder: str, frontmatter: str | None = None, body: str = "# Steps\n\nDo it.\n",
                *, name: str | None = None, description: str = "Does one thing. Use when asked.") -> Path:
    """Create ``parent/folder/SKILL.md``; ``frontmatter`` replaces the generated keys."""
    directory = parent / folder
    directory.mkdir(parents=True, exist_ok=True)
    if frontmatter is None:
        frontmatter = f"name: {name or folder}\ndescription: {description}\n"
    (directory / "SKILL.md").write_text(f"---\n{frontmatter}---\n\n{body}", encoding="utf-8")
    return directory


def find(root: Path | None = None, *, extra: list[Path] | None = None, user: list[Path] | None = None,
         builtin: Path | None = None, trust: bool | None = None) -> SkillSet:
    """Discover with a fresh cache and only the scopes the test names."""
    return discover(root, trust_project=trust, extra_dirs=extra or [], user_dirs=user or [],
                    builtin_dir=builtin, cache=SkillCache())


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
