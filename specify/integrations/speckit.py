"""Recognise projects laid out by spec-kit or by specify itself."""

from __future__ import annotations

from pathlib import Path

from specify.integrations.agents import AGENTS
from specify.integrations.manifest import SHARED_MANIFEST, installed_keys, speckit_hashes

# Files and folders only spec-kit writes under .specify/.
SPECKIT_MARKERS = ("scripts", "init-options.json", "integration.json")
# Folders where older spec-kit versions wrote `speckit.<stage>.md` commands.
LEGACY_COMMAND_DIRS = (".claude/commands", ".github/prompts", ".github/agents", ".cursor/commands")


def is_specify_project(root: Path) -> bool:
    return (root / SHARED_MANIFEST).is_file() or bool(installed_keys(root))


def _command_folders() -> set[str]:
    folders = set(LEGACY_COMMAND_DIRS)
    for agent in AGENTS:
        for target in agent.targets:
            for pattern in target.paths:
                if "{commands_dir}" in pattern:
                    continue
                parts = pattern.split("/")
                # Skill paths end in speckit-{stage}/SKILL.md; commands in speckit.{stage}.md.
                folders.add("/".join(parts[:-2] if target.format == "skill" else parts[:-1]))
    return folders


def has_speckit_commands(root: Path) -> bool:
    for folder in _command_folders():
        path = root / folder
        if path.is_dir() and any(child.name.startswith(("speckit.", "speckit-")) for child in path.iterdir()):
            return True
    return False


def is_speckit_project(root: Path) -> bool:
    """Return whether spec-kit laid out ``root``, so its generated files may be adopted.

    spec-kit's own ``.specify/`` files mark its projects, also after specify adopted them.
    Without them, a ``.specify/`` folder or ``speckit`` command files count as spec-kit's
    only where specify has not initialised the project itself.
    """
    specify_dir = root / ".specify"
    if specify_dir.is_dir():
        if any((specify_dir / name).exists() for name in SPECKIT_MARKERS) or speckit_hashes(root):
            return True
    if is_specify_project(root):
        return False
    return specify_dir.is_dir() or has_speckit_commands(root)
