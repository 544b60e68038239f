"""Agent Skills runtime: discovery, catalog, activation and selection, with no model SDK.

The stage runner uses :func:`discover` and the returned :class:`SkillSet`::

    skills = discover(project_root)
    system_prompt += skills.catalog_text(budget_tokens=2000)   # "" when there are no skills
    tools = skills.tool_definitions()                          # [] when there are no skills
    session = skills.session()
    for content in session.activate_explicit(user_input): ...  # `/name args` in the input
    result_text = session.handle_tool_call(call.name, call.arguments)
    for skill in skills.select(stage_input, budget_tokens=4000): ...  # models without tools
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from runtime.skills.activation import SkillSession, parse_invocations, render_content, tool_definitions
from runtime.skills.catalog import Catalog, build_catalog
from runtime.skills.discovery import DiscoveryResult, build_roots, managed_skill_files, resolve
from runtime.skills.loader import DEFAULT_CACHE, SkillCache
from runtime.skills.model import Diagnostic, Skill, SkillEntry, SkillError, SkillParseError
from runtime.skills.ranking import rank, select

__all__ = [
    "Catalog", "Diagnostic", "Skill", "SkillCache", "SkillEntry", "SkillError", "SkillParseError",
    "SkillSession", "SkillSet", "discover", "parse_invocations", "rank",
]


class SkillSet:
    """The skills one run can use, with the diagnostics that discovery produced."""

    def __init__(self, result: DiscoveryResult) -> None:
        self.result = result
        self.skills = result.skills
        self._catalogs: dict[tuple[int | None, str], Catalog] = result.catalogs

    @property
    def entries(self) -> list[SkillEntry]:
        return self.result.entries

    @property
    def warnings(self) -> list[str]:
        return self.result.warnings

    @property
    def notices(self) -> list[str]:
        return self.result.notices

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.result.diagnostics

    def get(self, name: str) -> Skill | None:
        return self.skills.get(name)

    def catalog(self, budget_tokens: int | None = None, activation: str = "tool") -> Catalog:
        """Return the catalog; ``activation="file"`` words it for models without tool calling."""
        key = (budget_tokens, activation)
        if key not in self._catalogs:
            self._catalogs[key] = build_catalog(self.skills.values(), budget_tokens, activation)
        return self._catalogs[key]

    def catalog_text(self, budget_tokens: int | None = None, activation: str = "tool") -> str:
        return self.catalog(budget_tokens, activation).text

    def tool_definitions(self) -> list[dict]:
        return tool_definitions(self.skills)

    def session(self) -> SkillSession:
        return SkillSession(self.skills)

    def select(self, query: str, budget_tokens: int, limit: int = 3) -> list[Skill]:
        """Pick the skills most relevant to ``query`` whose content fits ``budget_tokens``."""
        return select(query, self.skills.values(), budget_tokens, limit, content_of=render_content)


def discover(
    project_root: Path | None = None,
    *,
    trust_project: bool | None = None,
    extra_dirs: Sequence[Path] = (),
    project_dirs: Sequence[Path] = (),
    user_dirs: Sequence[Path] | None = None,
    builtin_dir: Path | None | bool = True,
    cache: SkillCache = DEFAULT_CACHE,
) -> SkillSet:
    """Find and load skills in every scope.

    ``trust_project=None`` looks the project up in the trust record. ``user_dirs=None`` uses
    ``$SPECIFY_HOME/skills`` and ``~/.agents/skills``; ``builtin_dir=True`` the bundled skills.
    """
    managed: set[Path] = set()
    if project_root is not None:
        project_root = Path(project_root).absolute()
        if trust_project is None:
            from runtime.skills.trust import is_trusted

            trust_project = is_trusted(project_root)
        managed = managed_skill_files(project_root)
    roots = build_roots(project_root, project_dirs=project_dirs, extra_dirs=extra_dirs,
                        user_dirs=user_dirs, builtin_dir=builtin_dir)
    return SkillSet(resolve(roots, trust_project=bool(trust_project), managed=managed, cache=cache))
