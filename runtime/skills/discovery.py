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
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG

from runtime.skills.loader import DEFAULT_CACHE, LoadResult, SkillCache, is_settled
from runtime.skills.model import SCOPE_ORDER, Diagnostic, Scope, Skill, SkillEntry

PROJECT_SKILL_DIRS = (".specify/skills", ".agents/skills", ".claude/skills")
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__"})
MAX_DEPTH = 6
MAX_DIRS = 2000
SKILL_FILE = "SKILL.md"
_SKILL_SUFFIX = os.sep + SKILL_FILE


@dataclass(frozen=True)
class SkillRoot:
    path: Path
    scope: Scope


@dataclass
class Found:
    location: str  # absolute path of SKILL.md
    stat: os.stat_result


@dataclass
class WalkResult:
    found: list[Found] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    folders: list[tuple[str, int]] = field(default_factory=list)  # searched folders and their mtime_ns
    settled: bool = False  # every recorded mtime is older than the racy window

    def is_current(self) -> bool:
        """Return True when no searched folder and no found SKILL.md changed since the walk.

        A folder's mtime changes when an entry is added, removed or renamed in it, so a new
        skill anywhere in the searched tree shows up here. A walk that saw a recent mtime is
        never current, because a second change within the same timestamp tick is invisible.
        """
        if not self.settled:
            return False
        try:
            for folder, mtime in self.folders:
                if os.stat(folder).st_mtime_ns != mtime:
                    return False
            for found in self.found:
                now = os.stat(found.location)
                old = found.stat
                if (now.st_mtime_ns != old.st_mtime_ns or now.st_size != old.st_size
                        or now.st_ino != old.st_ino):
                    return False
        except OSError:
            return False
        return True


def _check_skill_file(folder: str) -> os.stat_result | None:
    try:
        stat = os.stat(folder + _SKILL_SUFFIX)
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return None
    return stat if S_ISREG(stat.st_mode) else None


def _child_folders(folder: str, result: WalkResult) -> list[tuple[str, bool]]:
    """Return (path, is_symlink) for each folder to search in ``folder``, sorted by name."""
    children = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name[0] == "." or name in SKIPPED_DIRS:
                    continue
                if name == "skill.md" and entry.is_file():
                    result.warnings.append(
                        f"{entry.path} is named skill.md; rename it to SKILL.md to load the skill")
                    continue
                try:
                    if entry.is_dir():
                        children.append((entry.path, entry.is_symlink()))
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
            result.found.append(Found(folder + _SKILL_SUFFIX, stat))
            continue
        if depth >= max_depth:
            deep_skipped = True
            continue
        try:
            result.folders.append((folder, os.stat(folder).st_mtime_ns))
        except OSError:
            continue
        for child, is_link in reversed(_child_folders(folder, result)):
            if is_link:
                real = os.path.realpath(child)
                if real in seen_links:
                    continue
                seen_links.add(real)
            stack.append((child, depth + 1))
    if deep_skipped:
        result.warnings.append(
            f"did not search below depth {max_depth} in {root}; move deeper skills up to load them")
    newest = max([m for _, m in result.folders] + [f.stat.st_mtime_ns for f in result.found], default=0)
    result.settled = is_settled(newest)
    return result


def managed_skill_files(project_root: Path) -> set[str]:
    """Return the SKILL.md files that `specify init` wrote, from the integration manifests."""
    managed: set[str] = set()
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
                managed.add(os.path.abspath(project_root / relative))
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
    catalogs: dict = field(default_factory=dict)  # (budget, activation) -> Catalog, filled by SkillSet

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
    managed: Set[str] = frozenset(),
    cache: SkillCache = DEFAULT_CACHE,
) -> DiscoveryResult:
    """Walk ``roots`` in order, load each skill, and let the first of each name win.

    When every root's walk is still current (see :meth:`WalkResult.is_current`), the result of
    the previous call with the same arguments is returned as it was.
    """
    existing = _existing(roots)
    walks = [_walk_cached(root, cache) for root in existing]
    key = (tuple((str(r.path), r.scope) for r in existing), trust_project, frozenset(managed))
    previous = cache.results.get(key)
    if previous is not None and len(previous[0]) == len(walks) and all(
            a is b for a, b in zip(previous[0], walks, strict=True)):
        return previous[1]
    result = _resolve_walks(existing, walks, trust_project, managed, cache)
    cache.results[key] = (walks, result)
    return result


def _walk_cached(root: SkillRoot, cache: SkillCache) -> WalkResult:
    key = os.path.abspath(root.path)
    walk = cache.walks.get(key)
    if walk is None or not walk.is_current():
        walk = walk_skill_files(root.path)
        cache.walks[key] = walk
    return walk


def _resolve_walks(existing: list[SkillRoot], walks: list[WalkResult], trust_project: bool,
                   managed: Set[str], cache: SkillCache) -> DiscoveryResult:
    skills: dict[str, Skill] = {}
    winners: dict[str, Skill] = {}
    entries: list[SkillEntry] = []
    warnings: list[str] = []
    seen_files: set[tuple[int, int]] = set()
    withheld = 0

    for root, walk in zip(existing, walks, strict=True):
        warnings += walk.warnings
        gated = root.scope == "project" and not trust_project
        for found in walk.found:
            identity = (found.stat.st_dev, found.stat.st_ino)
            if identity in seen_files:
                continue
            seen_files.add(identity)
            if found.location in managed or gated:
                status = "managed" if found.location in managed else "untrusted"
                withheld += status == "untrusted"
                folder = os.path.basename(os.path.dirname(found.location))
                entries.append(SkillEntry(folder, root.scope, found.location, status))
                continue
            result = cache.load(found.location, root.scope, found.stat)
            entries.append(_admit(result, winners, skills, warnings))

    notices = []
    if withheld:
        notices.append(f"{withheld} project skill(s) withheld because this project is not trusted; "
                       "run `specify trust` to load them, or pass --trust-project-skills once")
    return DiscoveryResult(dict(sorted(skills.items())), entries, warnings, notices)


def _admit(result: LoadResult, winners: dict[str, Skill], skills: dict[str, Skill],
           warnings: list[str]) -> SkillEntry:
    skill = result.skill
    if skill is None:
        return result.entry
    key = skill.name.casefold()
    winner = winners.get(key)
    if winner is None:
        winners[key] = skill
        skills[skill.name] = skill
        return result.entry
    warnings.append(f"skill '{skill.name}' at {skill.path} ({skill.scope}) is shadowed by "
                    f"'{winner.name}' at {winner.path} ({winner.scope})")
    return SkillEntry(skill.name, skill.scope, skill.path, "shadowed", skill, winner.location,
                      result.diagnostics)
