"""`specify init`: write the stage commands and the ``.specify/`` project files.

Init never loses user work. Every file is planned first (see
:mod:`specify.integrations.files`); a managed file is replaced only while unchanged since
specify or spec-kit wrote it, the constitution and the user's files are kept, and a dry run
returns the plan without touching the disk.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from specify.errors import UsageError
from specify.initialise.git import GitOutcome, init_and_commit
from specify.initialise.shared import plan_shared
from specify.integrations.agents import Agent, Mode, get_agent
from specify.integrations.files import Change, apply, project_lock
from specify.integrations.manage import AgentPlan, plan_agent
from specify.integrations.speckit import is_specify_project, is_speckit_project


@dataclass
class InitRequest:
    target: Path
    agents: list[str]
    mode: Mode | None = None
    commands_dir: str | None = None
    force: bool = False
    dry_run: bool = False
    git: bool = True


@dataclass
class InitReport:
    root: Path
    kind: str  # "new", "specify", "spec-kit" or "folder"
    dry_run: bool
    shared: list[Change] = field(default_factory=list)
    agents: list[AgentPlan] = field(default_factory=list)
    git: GitOutcome | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def changes(self) -> list[Change]:
        seen: dict[str, Change] = {}
        for change in [*self.shared, *(c for plan in self.agents for c in plan.changes)]:
            seen.setdefault(change.path, change)
        return list(seen.values())

    def counts(self) -> dict[str, int]:
        return dict(Counter(change.status for change in self.changes))

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "root": str(self.root),
            "kind": self.kind,
            "dry_run": self.dry_run,
            "agents": [plan.to_dict() for plan in self.agents],
            "files": [change.to_dict() for change in self.changes],
            "counts": self.counts(),
            "git": self.git.to_dict() if self.git else None,
            "warnings": self.warnings,
        }
        if self.dry_run:
            data["diffs"] = {c.path: c.diff() for c in self.changes if c.writes}
        return data


def resolve_agents(names: list[str], mode: Mode | None) -> tuple[list[tuple[Agent, Mode | None]], list[str]]:
    """Map keys and aliases to agents, dropping repeats, and pick each agent's mode.

    ``--skills`` or ``--commands`` applies to the agents that have that mode; the others
    keep their only mode, with a warning. When none of them has it, that is an error.
    Returns the (agent, mode) pairs and the warnings.
    """
    agents: list[Agent] = []
    for name in names:
        agent = get_agent(name)
        if agent not in agents:
            agents.append(agent)
    if not agents:
        raise UsageError("No agent given.", "Pass --agent KEY (repeat it for several agents).")
    if mode is None:
        return [(agent, None) for agent in agents], []
    if not any(mode in agent.modes for agent in agents):
        agents[0].target(mode)  # raises, naming the modes the agent has
    chosen: list[tuple[Agent, Mode | None]] = []
    warnings = []
    for agent in agents:
        if mode in agent.modes:
            chosen.append((agent, mode))
        else:
            warnings.append(f"{agent.key} has no --{mode} mode; writing its {agent.default_mode} instead.")
            chosen.append((agent, agent.default_mode))
    return chosen, warnings


def classify_target(target: Path, force: bool) -> str:
    """Return what ``target`` holds, or raise when init would mix into someone's folder."""
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} is a file, not a folder.", "Give a folder path or use --here.")
    entries = [p for p in target.iterdir() if p.name != ".git"] if target.is_dir() else []
    if not entries:
        return "new"
    if is_specify_project(target):
        return "specify"
    if is_speckit_project(target):
        return "spec-kit"
    if not force:
        raise UsageError(
            f"{target} is not empty and is not a specify or spec-kit project.",
            "Add --force to initialise it anyway; existing files are kept, never deleted.",
        )
    return "folder"


def init_project(request: InitRequest) -> InitReport:
    """Plan and (unless dry) write the project files and the agents' stage commands."""
    agents, warnings = resolve_agents(request.agents, request.mode)
    root = request.target.expanduser().resolve()
    kind = classify_target(root, request.force)

    report = InitReport(root, kind, request.dry_run, warnings=warnings)
    # Planning first raises any error before a folder or lock file exists.
    plan_all(report, agents, request.commands_dir)
    if request.dry_run:
        return report

    root.mkdir(parents=True, exist_ok=True)
    with project_lock(root):
        plan_all(report, agents, request.commands_dir)  # again: another process may have written
        written = apply(root, report.changes)
    # A repository made now gets every file init manages, also those an earlier
    # `--no-git` run wrote, so its first commit exists and feature branches can start from it.
    managed = [c.path for c in report.changes if c.status == "unchanged" and c.path not in written]
    report.git = init_and_commit(root, written + managed) if request.git else GitOutcome("skipped")
    return report


def plan_all(report: InitReport, agents: list[tuple[Agent, Mode | None]], commands_dir: str | None) -> None:
    report.shared = plan_shared(report.root)
    report.agents = [plan_agent(report.root, agent, mode, commands_dir) for agent, mode in agents]
