"""``specify check``: the active feature's paths, documents and next stage.

Mirrors spec-kit's ``check-prerequisites`` keys (``FEATURE_DIR``, ``AVAILABLE_DOCS``; with
paths only ``REPO_ROOT``, ``BRANCH``, ``FEATURE_SPEC``, ``IMPL_PLAN``, ``TASKS``) and adds
``next_stage`` and the rule that chose the feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specify.errors import ArtifactError, FeatureNotFoundError
from specify.features.status import (
    MADE_BY,
    available_docs,
    constitution_state,
    feature_status,
    next_stage,
)
from specify.project import Resolved, current_branch, find_feature


@dataclass(frozen=True)
class CheckRequest:
    feature: str | None = None
    require_tasks: bool = False
    include_tasks: bool = False
    paths_only: bool = False


def feature_paths(root: Path, feature: Resolved) -> dict[str, Any]:
    """Return spec-kit's path keys for a feature (nothing is checked or written)."""
    folder = feature.path
    return {
        "REPO_ROOT": str(root),
        "BRANCH": current_branch(root) or folder.name,
        "FEATURE_DIR": str(folder),
        "FEATURE_SPEC": str(folder / "spec.md"),
        "IMPL_PLAN": str(folder / "plan.md"),
        "TASKS": str(folder / "tasks.md"),
        "rule": feature.rule,
    }


def _require(folder: Path, names: tuple[str, ...]) -> None:
    for name in names:
        if not (folder / name).is_file():
            stage = MADE_BY[name]
            raise ArtifactError(
                f"{folder / name} is missing.",
                f"Run the {stage} stage first (`specify run {stage}` or your agent's speckit-{stage} command).",
            )


def _no_feature_report(root: Path, constitution: str) -> dict[str, Any]:
    return {
        "REPO_ROOT": str(root),
        "FEATURE_DIR": None,
        "AVAILABLE_DOCS": [],
        "rule": None,
        "constitution": constitution,
        "next_stage": next_stage(constitution, None),
    }


def check_feature(root: Path, request: CheckRequest) -> dict[str, Any]:
    """Report the active feature's documents and next stage, or raise when a requirement fails."""
    feature = find_feature(root, request.feature)
    needs_feature = request.paths_only or request.require_tasks
    if feature is None and needs_feature:
        raise FeatureNotFoundError(
            "No active feature: no --feature, SPECIFY_FEATURE, .specify/feature.json or feature branch.",
            'Run `specify feature new "DESCRIPTION"` or `specify feature use NNN`.',
        )
    if request.paths_only:
        return feature_paths(root, feature)  # type: ignore[arg-type]

    constitution = constitution_state(root)
    if feature is None:
        return _no_feature_report(root, constitution)
    folder = feature.path
    if request.require_tasks:
        _require(folder, ("plan.md", "tasks.md"))
    status = feature_status(folder)
    return {
        **feature_paths(root, feature),
        "AVAILABLE_DOCS": available_docs(folder, request.include_tasks),
        "constitution": constitution,
        **status.to_json(),
        "next_stage": next_stage(constitution, status),
    }
