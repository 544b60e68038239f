"""List features, report the active one and choose it (``feature list | current | use``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specify.errors import FeatureNotFoundError
from specify.features.create import write_feature_json
from specify.features.numbering import SEQUENTIAL, TIMESTAMP
from specify.features.status import FeatureStatus, constitution_state, feature_status, next_stage
from specify.project import FEATURE_NUMBER, feature_search_dirs, find_feature, match_feature


@dataclass
class FeatureSummary:
    """One feature folder: its number, slug, files, task progress and next stage."""

    number: str
    slug: str
    status: FeatureStatus
    next_stage: str
    active: bool

    def to_json(self, root: Path) -> dict[str, Any]:
        return {
            "number": self.number,
            "slug": self.slug,
            "feature_dir": self.status.folder.relative_to(root).as_posix(),
            "path": str(self.status.folder),
            "active": self.active,
            "next_stage": self.next_stage,
            **self.status.to_json(),
        }


def split_name(name: str) -> tuple[str, str]:
    """Split a folder name into its number (``001`` or ``YYYYMMDD-HHMMSS``) and slug."""
    timestamp = TIMESTAMP.match(name)
    match = timestamp or SEQUENTIAL.match(name)
    if not match:
        return "", name
    number = name[: len(match.group(0))].rstrip("-")
    return number, name[len(number) :].lstrip("-")


def _active_folder(root: Path) -> Path | None:
    try:
        found = find_feature(root)
    except FeatureNotFoundError:
        return None
    return found.path if found else None


def list_features(root: Path) -> list[FeatureSummary]:
    """Return every feature folder under ``specs/`` and ``.specify/specs/``, by name."""
    active = _active_folder(root)
    constitution = constitution_state(root)
    summaries = []
    for base in feature_search_dirs(root):
        for folder in sorted(p for p in base.iterdir() if p.is_dir() and FEATURE_NUMBER.match(p.name)):
            number, slug = split_name(folder.name)
            status = feature_status(folder)
            active_here = active is not None and folder.resolve() == active
            summaries.append(FeatureSummary(number, slug, status, next_stage(constitution, status), active_here))
    return summaries


def use_feature(root: Path, value: str) -> str:
    """Make the feature named by ``value`` (NNN, NNN-slug or a path) the active one.

    Returns the folder as written to ``.specify/feature.json``, relative to ``root``.
    """
    folder = match_feature(root, value, "feature")
    try:
        relative = folder.relative_to(root.resolve()).as_posix()
    except ValueError as exc:
        raise FeatureNotFoundError(
            f"{folder} is outside the project {root}.", "Choose a feature folder inside the project."
        ) from exc
    write_feature_json(root, relative)
    return relative
