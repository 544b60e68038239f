"""Recognise projects laid out by spec-kit or by specify itself."""

from __future__ import annotations

from pathlib import Path

from specify.integrations.agents import AGENTS
from specify.integrations.manifest import SHARED_MANIFEST, installed_keys, speckit_hashes

# Files and folders only spec-kit writes under .specify/.
SPECKIT_MARKERS = ("scripts", "init-options.json", "integration.json")
# Folders where spec-kit versions before skills wrote `speckit.<stage>.md` commands.
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
        if path.is_dir() and any(
            child.name.startswith(("speckit.", "speckit-")) for child in path.iterdir()
        ):
            return True
    return False


def is_speckit_project(root: Path) -> bool:
    """Return whether spec-kit laid out ``root`` (its .specify/ files or its command files).

    A ``.specify/`` folder that specify did not write counts as spec-kit's too, since
    spec-kit is the other tool that writes one.
    """
    specify_dir = root / ".specify"
    if specify_dir.is_dir():
        if any((specify_dir / name).exists() for name in SPECKIT_MARKERS) or speckit_hashes(root):
            return True
        if not is_specify_project(root):
            return True
    return has_speckit_commands(root)
