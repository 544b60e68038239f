"""Add, upgrade, remove and inspect agent integrations in a project."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from specify import __version__
from specify.errors import UsageError
from specify.fsutil import sha256_bytes
from specify.integrations.agents import AGENTS, Agent, Mode, get_agent
from specify.integrations.files import Change, apply, is_inside, plan_json_merge, plan_managed, plan_owned, project_lock
from specify.integrations.manifest import (
    Manifest,
    installed_keys,
    manifest_path,
    read_manifest,
    speckit_hashes,
)
from specify.integrations.render import (
    invocation,
    normalise_commands_dir,
    render_agent,
    vscode_settings,
)
from specify.integrations.speckit import is_speckit_project

logger = logging.getLogger(__name__)

VSCODE_SETTINGS = ".vscode/settings.json"


@dataclass
class AgentPlan:
    agent: Agent
    mode: Mode
    commands_dir: str | None
    changes: list[Change] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.agent.key,
            "mode": self.mode,
            "invoke": invocation(self.agent, self.mode, "<stage>"),
            "commands_dir": self.commands_dir,
        }


def plan_agent(root: Path, agent: Agent, mode: Mode | None = None, commands_dir: str | None = None) -> AgentPlan:
    """Plan every file of one agent, its merged settings and its manifest.

    Without ``mode`` or ``commands_dir`` the values of an earlier install are reused, then
    the agent's defaults.
    """
    previous = read_manifest(root, agent.key)
    mode = mode or (previous.mode if previous else None) or agent.default_mode
    target = agent.target(mode)
    commands_dir = normalise_commands_dir(commands_dir or (previous.commands_dir if previous else None), agent)
    desired = render_agent(agent, target.mode, commands_dir)

    recorded = previous.files if previous else {}
    foreign = speckit_hashes(root)
    speckit = is_speckit_project(root)
    plan = AgentPlan(agent, target.mode, commands_dir)
    for path, data in sorted(desired.items()):
        plan.changes.append(plan_managed(root, path, data, recorded, foreign, lambda _path: speckit))
    if agent.key == "copilot" and target.mode == "commands":
        plan.changes.append(plan_json_merge(root, VSCODE_SETTINGS, vscode_settings()))

    files = {change.path: change.record for change in plan.changes if change.record}
    # Files of an earlier mode stay managed, so `integration remove` can still clean them.
    for path, digest in recorded.items():
        files.setdefault(path, digest)
    manifest = Manifest(agent.key, target.mode, __version__, files, commands_dir)
    relative = manifest_path(root, agent.key).relative_to(root).as_posix()
    plan.changes.append(plan_owned(root, relative, manifest.to_bytes()))
    return plan


def require_installed(root: Path, key: str) -> tuple[Agent, Manifest]:
    agent = get_agent(key)
    manifest = read_manifest(root, agent.key)
    if manifest is None:
        installed = ", ".join(installed_keys(root)) or "none"
        raise UsageError(
            f"Agent '{agent.key}' is not installed in {root} (installed: {installed}).",
            f"Run `specify integration add {agent.key}` first.",
        )
    return agent, manifest


def add_integration(root: Path, key: str, mode: Mode | None, commands_dir: str | None, dry_run: bool) -> AgentPlan:
    """Write one agent's stage commands into an existing project."""
    agent = get_agent(key)
    if dry_run:
        return plan_agent(root, agent, mode, commands_dir)
    with project_lock(root):
        plan = plan_agent(root, agent, mode, commands_dir)
        apply(root, plan.changes)
    return plan


@dataclass
class FileState:
    path: str
    state: str  # "unchanged", "modified", "missing", "removed" or "kept"

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "state": self.state}


def file_states(root: Path, manifest: Manifest) -> list[FileState]:
    states = []
    for path, digest in sorted(manifest.files.items()):
        target = root / path
        if not target.is_file():
            states.append(FileState(path, "missing"))
        elif sha256_bytes(target.read_bytes()) == digest:
            states.append(FileState(path, "unchanged"))
        else:
            states.append(FileState(path, "modified"))
    return states


def _prune_empty_parents(root: Path, path: Path) -> None:
    folder = path.parent
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _removal_states(root: Path, manifest: Manifest) -> list[FileState]:
    """Decide per managed file: removed (unchanged), kept (edited, or reached through a link), missing."""
    results = []
    for state in file_states(root, manifest):
        if state.state == "unchanged" and is_inside(root, state.path) and not (root / state.path).is_symlink():
            results.append(FileState(state.path, "removed"))
        elif state.state == "missing":
            results.append(state)
        else:
            results.append(FileState(state.path, "kept"))
    return results


@dataclass
class RemoveReport:
    agent: Agent
    files: list[FileState]
    merged_left: list[str]  # shared files whose merged keys stay, such as .vscode/settings.json

    def to_dict(self, dry_run: bool) -> dict[str, object]:
        return {
            "key": self.agent.key,
            "dry_run": dry_run,
            "files": [state.to_dict() for state in self.files],
            "merged_left": self.merged_left,
        }


def remove_integration(root: Path, key: str, dry_run: bool) -> RemoveReport:
    """Delete the agent's managed files that are unchanged; report the edited ones as kept."""
    agent, manifest = require_installed(root, key)
    merged = [VSCODE_SETTINGS] if agent.key == "copilot" and (root / VSCODE_SETTINGS).is_file() else []
    if dry_run:
        return RemoveReport(agent, _removal_states(root, manifest), merged)
    with project_lock(root):
        results = _removal_states(root, manifest)
        for state in results:
            if state.state == "removed":
                (root / state.path).unlink()
                _prune_empty_parents(root, root / state.path)
        manifest_path(root, agent.key).unlink()
    return RemoveReport(agent, results, merged)


def integration_status(root: Path) -> list[dict[str, object]]:
    """Report each installed agent's mode, version and the state of every managed file."""
    report = []
    for key in installed_keys(root):
        manifest = read_manifest(root, key)
        assert manifest is not None  # installed_keys lists only readable specify manifests
        states = file_states(root, manifest)
        rendered = render_agent(get_agent(key), manifest.mode, manifest.commands_dir)
        # Upgrade keeps edited files and files it did not write, so neither counts as upgradable.
        kept = {s.path for s in states if s.state == "modified"}
        kept |= {path for path in rendered if path not in manifest.files and (root / path).exists()}
        outdated = sorted(
            path for path, data in rendered.items() if manifest.files.get(path) != sha256_bytes(data) and path not in kept
        )
        report.append(
            {
                "key": key,
                "mode": manifest.mode,
                "specify_version": manifest.specify_version,
                "files": [state.to_dict() for state in states],
                "modified": [s.path for s in states if s.state == "modified"],
                "missing": [s.path for s in states if s.state == "missing"],
                "upgradable": outdated,
            }
        )
    return report


def list_integrations(root: Path | None) -> list[dict[str, object]]:
    """Return every known agent with its modes, aliases and whether ``root`` has it."""
    installed = set(installed_keys(root)) if root is not None else set()
    return [
        {
            "key": agent.key,
            "name": agent.name,
            "aliases": list(agent.aliases),
            "modes": list(agent.modes),
            "default_mode": agent.default_mode,
            "installed": agent.key in installed,
        }
        for agent in AGENTS
    ]
