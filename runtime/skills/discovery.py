"""Find skills in the project, user and built-in scopes and resolve name collisions.

Scopes, highest precedence first, each searched in the order listed:

- project: ``.specify/skills``, ``.agents/skills``, ``.claude/skills`` under the project root,
  plus folders named in the project's config. They load only in a trusted project.
- extra: folders named with ``--skills-dir`` or in the user's config.
- user: ``$SPECIFY_HOME/skills``, ``~/.agents/skills``.
- builtin: the ``skills/`` folder shipped with specify.

A skill is a folder holding ``SKILL.md``; its contents are resources, so discovery does not
look for skills inside it. The walk skips ``.git``, ``node_modules`` and every dot folder,
follows symlinked folders, stops at depth :data:`MAX_DEPTH` and after :data:`MAX_DIRS`
folders per root with a warning, and loads a file reached by two paths once. When two skills
share a name (compared case-insensitively), the first in precedence order wins and a warning
names both paths.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG

from runtime.skills.loader import DEFAULT_CACHE, SkillCache
from runtime.skills.model import SCOPE_ORDER, Diagnostic, Scope, Skill, SkillEntry

PROJECT_SKILL_DIRS = (".specify/skills", ".agents/skills", ".claude/skills")
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__"})
MAX_DEPTH = 6
MAX_DIRS = 2000
SKILL_FILE = "SKILL.md"


@dataclass(frozen=True)
class SkillRoot:
    path: Path
    scope: Scope


@dataclass
class Found:
    location: Path
    stat: os.stat_result


@dataclass
class WalkResult:
    found: list[Found] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _check_skill_file(folder: str) -> os.stat_result | None:
    try:
        stat = os.stat(os.path.join(folder, SKILL_FILE))
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return None
    return stat if S_ISREG(stat.st_mode) else None


def _child_folders(folder: str, result: WalkResult) -> list[str]:
    children = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or name in SKIPPED_DIRS:
                    continue
                if name == "skill.md" and entry.is_file():
                    result.warnings.append(
                        f"{entry.path} is named skill.md; rename it to SKILL.md to load the skill")
                    continue
                try:
                    if entry.is_dir():
                        children.append(entry.path)
                except OSError:
                    continue
    except OSError as exc:
        result.warnings.append(f"cannot read folder {folder}: {exc.strerror or exc}")
    children.sort()
    return children


def walk_skill_files(root: Path, max_depth: int = MAX_DEPTH, max_dirs: int = MAX_DIRS) -> WalkResult:
    """Find the SKILL.md files under ``root`` in sorted, depth-first order."""
    result = WalkResult()
    stack: list[tuple[str, int]] = [(os.path.abspath(root), 0)]
    seen_links: set[str] = set()
    visited = 0
    deep_skipped = False
    while stack:
        folder, depth = stack.pop()
        visited += 1
        if visited > max_dirs:
            result.warnings.append(
                f"stopped after {max_dirs} folders in {root}; skills in the rest are not loaded")
            break
        stat = _check_skill_file(folder)
        if stat is not None:
            result.found.append(Found(Path(folder, SKILL_FILE), stat))
            continue
        if depth >= max_depth:
            deep_skipped = True
            continue
        children = _child_folders(folder, result)
        for child in reversed(children):
            if os.path.islink(child):
                real = os.path.realpath(child)
                if real in seen_links:
                    continue
                seen_links.add(real)
            stack.append((child, depth + 1))
    if deep_skipped:
        result.warnings.append(
            f"did not search below depth {max_depth} in {root}; move deeper skills up to load them")
    return result


def managed_skill_files(project_root: Path) -> set[Path]:
    """Return the SKILL.md files that `specify init` wrote, from the integration manifests."""
    managed: set[Path] = set()
    folder = project_root / ".specify" / "integrations"
    if not folder.is_dir():
        return managed
    for manifest in sorted(folder.glob("*.manifest.json")):
        try:
            files = json.loads(manifest.read_text(encoding="utf-8")).get("files", {})
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            continue
        for relative in files if isinstance(files, dict) else ():
            if str(relative).endswith("/" + SKILL_FILE):
                managed.add(Path(os.path.abspath(project_root / relative)))
    return managed


def default_user_dirs() -> list[Path]:
    from specify.settings import user_home

    return [user_home() / "skills", Path.home() / ".agents" / "skills"]


def default_builtin_dir() -> Path | None:
    from specify.errors import SpecifyError
    from specify.resources import skills_dir

    try:
        return skills_dir()
    except SpecifyError:
        return None


@dataclass
class DiscoveryResult:
    """Everything discovery found: the winners by name, every entry, and the messages."""

    skills: dict[str, Skill]
    entries: list[SkillEntry]
    warnings: list[str]
    notices: list[str]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for entry in self.entries for d in entry.diagnostics]


def build_roots(
    project_root: Path | None,
    *,
    project_dirs: Sequence[Path] = (),
    extra_dirs: Sequence[Path] = (),
    user_dirs: Sequence[Path] | None = None,
    builtin_dir: Path | None | bool = True,
) -> list[SkillRoot]:
    """List the folders to search, in precedence order."""
    roots: list[SkillRoot] = []
    if project_root is not None:
        roots += [SkillRoot(project_root / rel, "project") for rel in PROJECT_SKILL_DIRS]
        roots += [SkillRoot(project_root / path, "project") for path in project_dirs]
    roots += [SkillRoot(Path(path).expanduser(), "extra") for path in extra_dirs]
    roots += [SkillRoot(path, "user") for path in (default_user_dirs() if user_dirs is None else user_dirs)]
    if builtin_dir is True:
        builtin_dir = default_builtin_dir()
    if isinstance(builtin_dir, Path):
        roots.append(SkillRoot(builtin_dir, "builtin"))
    assert [SCOPE_ORDER.index(r.scope) for r in roots] == sorted(SCOPE_ORDER.index(r.scope) for r in roots)
    return roots


def _existing(roots: Iterable[SkillRoot]) -> list[SkillRoot]:
    unique: dict[str, SkillRoot] = {}
    for root in roots:
        key = os.path.abspath(root.path)
        if key not in unique and os.path.isdir(key):
            unique[key] = root
    return list(unique.values())


def resolve(
    roots: Sequence[SkillRoot],
    *,
    trust_project: bool,
    managed: set[Path] = frozenset(),  # type: ignore[assignment]
    cache: SkillCache = DEFAULT_CACHE,
) -> DiscoveryResult:
    """Walk ``roots`` in order, load each skill, and let the first of each name win."""
    skills: dict[str, Skill] = {}
    winners: dict[str, Skill] = {}
    entries: list[SkillEntry] = []
    warnings: list[str] = []
    seen_files: set[tuple[int, int]] = set()
    withheld = 0

    for root in _existing(roots):
        walk = walk_skill_files(root.path)
        warnings += walk.warnings
        for found in walk.found:
            identity = (found.stat.st_dev, found.stat.st_ino)
            if identity in seen_files:
                continue
            seen_files.add(identity)
            if found.location in managed:
                entries.append(SkillEntry(found.location.parent.name, root.scope, found.location, "managed"))
                continue
            if root.scope == "project" and not trust_project:
                withheld += 1
                entries.append(SkillEntry(found.location.parent.name, root.scope, found.location, "untrusted"))
                continue
            entries.append(_admit(cache.load(found.location, root.scope, found.stat), found, root,
                                  winners, skills, warnings))

    notices = []
    if withheld:
        notices.append(f"{withheld} project skill(s) withheld because this project is not trusted; "
                       "run `specify trust` to load them, or pass --trust-project-skills once")
    return DiscoveryResult(dict(sorted(skills.items())), entries, warnings, notices)


def _admit(result, found: Found, root: SkillRoot, winners: dict[str, Skill], skills: dict[str, Skill],
           warnings: list[str]) -> SkillEntry:
    skill = result.skill
    if skill is None:
        return SkillEntry(found.location.parent.name, root.scope, found.location, "error",
                          diagnostics=result.diagnostics)
    key = skill.name.casefold()
    winner = winners.get(key)
    if winner is not None:
        warnings.append(f"skill '{skill.name}' at {found.location} ({root.scope}) is shadowed by "
                        f"'{winner.name}' at {winner.location} ({winner.scope})")
        return SkillEntry(skill.name, root.scope, found.location, "shadowed", skill,
                          winner.location, result.diagnostics)
    winners[key] = skill
    skills[skill.name] = skill
    return SkillEntry(skill.name, root.scope, found.location, "loaded", skill, None, result.diagnostics)
