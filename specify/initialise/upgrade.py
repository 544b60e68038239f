"""`specify integration upgrade`: re-render with this version of specify.

Only managed files that are unchanged since they were written are replaced. Without an agent
key the shared ``.specify/`` templates are upgraded too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from specify.errors import UsageError
from specify.initialise.shared import plan_shared
from specify.integrations.agents import get_agent
from specify.integrations.files import Change, apply, project_lock
from specify.integrations.manage import AgentPlan, plan_agent, require_installed
from specify.integrations.manifest import installed_keys


@dataclass
class UpgradeReport:
    shared: list[Change] = field(default_factory=list)
    plans: list[AgentPlan] = field(default_factory=list)

    def changes(self) -> list[Change]:
        return [*self.shared, *(change for plan in self.plans for change in plan.changes)]


def _plan(root: Path, keys: list[str], with_shared: bool) -> UpgradeReport:
    report = UpgradeReport(plans=[plan_agent(root, get_agent(key)) for key in keys])
    if with_shared:
        report.shared = plan_shared(root)
    return report


def upgrade_project(root: Path, key: str | None, dry_run: bool) -> UpgradeReport:
    """Re-render one installed agent, or every agent and the shared templates."""
    keys = [require_installed(root, key)[0].key] if key else installed_keys(root)
    if not keys:
        raise UsageError(f"No integrations are installed in {root}.", "Run `specify integration add KEY`.")
    if dry_run:
        return _plan(root, keys, key is None)
    with project_lock(root):
        report = _plan(root, keys, key is None)
        apply(root, report.changes())
    return report
