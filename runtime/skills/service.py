"""Entry points for the `specify skill` commands: discovery from settings, listing, showing.

The project root is the specify project's root when there is one, else the current folder,
so a plain repository with ``.agents/skills`` works too. Folders in ``skills.dirs`` from the
project's config are project scope (and need trust); from the user's config they are extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from runtime.skills import SkillSet, discover
from runtime.skills.model import SkillError
from specify.errors import ProjectNotFoundError


def project_root(start: Path | None = None) -> tuple[Path, bool]:
    """Return the project root and whether it is a specify project (else the current folder)."""
    from specify.project import find_root

    try:
        return find_root(start).path, True
    except ProjectNotFoundError:
        return (start or Path.cwd()).resolve(), False


def discover_configured(skills_dirs: Sequence[Path] = (), trust_project_skills: bool = False,
                        ) -> tuple[SkillSet, int]:
    """Discover skills for the current folder with the settings applied.

    Returns the skill set and the catalog budget in tokens from ``skills.catalog_tokens``.
    """
    from specify.settings import load_settings

    root, is_project = project_root()
    loaded = load_settings(root if is_project else None)
    configured = [Path(d).expanduser() for d in loaded.settings.skills.dirs]
    from_project = loaded.source_of("skills.dirs").startswith("project config")
    project_dirs = [root / d for d in configured] if from_project else []
    extra = list(skills_dirs) + ([] if from_project else configured)
    skills = discover(root, trust_project=True if trust_project_skills else None,
                      extra_dirs=extra, project_dirs=project_dirs)
    return skills, loaded.settings.skills.catalog_tokens


def show_skill(skills: SkillSet, name: str) -> dict[str, Any]:
    """Describe one skill: where it is, its diagnostics, and the content a model receives."""
    skill = skills.get(name)
    if skill is None:
        entries = [e for e in skills.entries if e.name == name]
        if entries:
            entry = entries[0]
            if entry.status == "untrusted":
                raise SkillError(f"skill '{name}' at {entry.location} is not loaded because this project is "
                                 "not trusted", "Run `specify trust`, or pass --trust-project-skills once.")
            reasons = "; ".join(d.message for d in entry.diagnostics) or entry.status
            raise SkillError(f"skill '{name}' at {entry.location} is not loaded ({entry.status}: {reasons})",
                             "Run `specify skill list` to see every skill and its status.")
        raise SkillError(f"no skill named '{name}'", f"Loaded skills: {', '.join(skills.skills) or 'none'}.")
    content = skills.session().activate(name)
    return {
        "name": skill.name,
        "scope": skill.scope,
        "path": str(skill.location),
        "description": skill.description,
        "model_invocable": skill.model_invocable,
        "diagnostics": [d.to_dict() for d in skill.diagnostics],
        "content": content,
    }


def install_target(user: bool, project: bool) -> Path:
    """Return the folder `skill install` writes into: the user's skills or the project's."""
    from specify.settings import user_home

    if user and project:
        raise SkillError("--user and --project are exclusive", "Pass one of them.")
    if project:
        root, is_project = project_root()
        if not is_project:
            raise SkillError(f"--project needs a specify project, and {root} is not in one",
                             "Run it inside a project (`specify init` makes one), or install with --user.")
        return root / ".specify" / "skills"
    return user_home() / "skills"
