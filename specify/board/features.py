"""Feature folders for the board: stage, progress and the last good parse.

A feature's stage follows from the files in its folder and the progress of its tasks:
``spec`` (only spec.md, or nothing yet), ``plan`` (plan.md), ``tasks`` (tasks.md with nothing
done), ``implementing`` (some tasks done or claimed) and ``done`` (every task done).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specify.errors import ArtifactError
from specify.fsutil import sha256_bytes
from specify.project import FEATURE_NUMBER, specs_dir
from specify.tasks import TasksDocument, parse_tasks

logger = logging.getLogger(__name__)

STAGES = ("spec", "plan", "tasks", "implementing", "done")
TASKS_FILE = "tasks.md"


@dataclass
class FeatureState:
    """One feature folder with the last tasks.md parse that succeeded.

    ``stale`` is the reason when the newest read of tasks.md failed (an invalid or
    half-written file). ``doc`` is then still the previous good parse. ``loaded`` is
    False until tasks.md has been read once.
    """

    name: str
    path: Path
    doc: TasksDocument | None = None
    stale: str | None = None
    loaded: bool = False

    @property
    def tasks_path(self) -> Path:
        return self.path / TASKS_FILE

    def stage(self, claims: Mapping[str, Any] | None = None) -> str:
        """Return the feature's stage, or ``loading`` before tasks.md was read."""
        if not self.loaded:
            return "loading"
        doc = self.doc
        if doc is not None and self.tasks_path.exists():
            done = sum(task.done for task in doc.tasks)
            if doc.tasks and done == len(doc.tasks):
                return "done"
            claimed = any(task.ref.upper() in (claims or {}) for task in doc.tasks)
            return "implementing" if done or claimed else "tasks"
        if (self.path / "plan.md").exists():
            return "plan"
        return "spec"

    def progress(self) -> tuple[int, int]:
        """Return (done, total) over the tasks of the last good parse."""
        if self.doc is None:
            return 0, 0
        return sum(task.done for task in self.doc.tasks), len(self.doc.tasks)


def discover_features(root: Path) -> list[Path]:
    """Return the ``specs/NNN-slug`` folders of the project, sorted by name."""
    base = specs_dir(root)
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and FEATURE_NUMBER.match(p.name))


def read_tasks(feature: FeatureState) -> bool:
    """Re-read the feature's tasks.md; return True when what the board shows changed.

    An unchanged file (same sha256 as the shown parse, which includes the board's own writes)
    is ignored. An invalid file keeps the previous parse and sets ``stale``. An empty file
    that used to hold tasks is treated as a writer caught between truncating and writing.
    """
    path = feature.tasks_path
    feature.loaded = True
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        changed = feature.doc is not None or feature.stale is not None
        feature.doc, feature.stale = None, None
        return changed
    except OSError as exc:
        return _mark_stale(feature, f"cannot read {path}: {exc.strerror}")

    if feature.doc is not None and feature.doc.sha256 == sha256_bytes(data):
        changed = feature.stale is not None
        feature.stale = None
        return changed
    # NOTE: a half-written file that still parses (cut between two lines) looks the same
    # as a real edit. Only empty files and undecodable bytes are held back here.
    if not data.strip() and feature.doc is not None and feature.doc.tasks:
        return _mark_stale(feature, f"{path} is empty, probably half-written")
    try:
        feature.doc = parse_tasks(data, path=path)
    except ArtifactError as exc:
        return _mark_stale(feature, exc.message)
    feature.stale = None
    return True


def _mark_stale(feature: FeatureState, reason: str) -> bool:
    logger.warning("keeping the last good parse of %s: %s", feature.tasks_path, reason)
    changed = feature.stale != reason
    feature.stale = reason
    return changed


def load_features(root: Path, parse: Callable[[str], bool] | None = None) -> list[FeatureState]:
    """Discover every feature and parse the tasks.md of those ``parse(name)`` accepts (all by default)."""
    features = [FeatureState(path.name, path) for path in discover_features(root)]
    for feature in features:
        if parse is None or parse(feature.name):
            read_tasks(feature)
    return features


def parse_features(features: Iterable[FeatureState]) -> list[FeatureState]:
    """Return freshly read copies of ``features``; safe to run in a worker thread."""
    fresh = [FeatureState(feature.name, feature.path) for feature in features]
    for feature in fresh:
        read_tasks(feature)
    return fresh
