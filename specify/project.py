"""Resolve the project root and the active feature.

Root: ``SPECIFY_INIT_DIR`` when set, else the nearest folder upward whose ``.specify/``
contains ``memory/``, ``config.toml``, ``integrations/`` or ``specs/``. A user-level
``~/.specify`` with only catalogs in it is therefore not mistaken for a project.

Feature: ``--feature`` (``NNN``, ``NNN-slug`` or a path) > ``SPECIFY_FEATURE_DIRECTORY`` >
``SPECIFY_FEATURE`` > ``.specify/feature.json`` > the current git branch name.
Each resolver returns the rule that decided, which commands report.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from specify.errors import FeatureNotFoundError, ProjectNotFoundError

# ``specs`` marks spec-kit's early layout, which kept feature folders in ``.specify/specs/``.
PROJECT_MARKERS = ("memory", "config.toml", "integrations", "specs")
FEATURE_NUMBER = re.compile(r"^(\d{3,})(?:-|$)")
FEATURE_JSON = Path(".specify") / "feature.json"


@dataclass(frozen=True)
class Resolved:
    path: Path
    rule: str


def is_project_root(folder: Path) -> bool:
    marker_dir = folder / ".specify"
    return marker_dir.is_dir() and any((marker_dir / name).exists() for name in PROJECT_MARKERS)


def find_root(start: Path | None = None) -> Resolved:
    """Return the project root and the rule that found it."""
    explicit = os.environ.get("SPECIFY_INIT_DIR")
    if explicit:
        path = Path(explicit).expanduser().resolve()
        if not path.is_dir():
            raise ProjectNotFoundError(
                f"SPECIFY_INIT_DIR={explicit} is not a folder.", "Point it at a project root or unset it."
            )
        return Resolved(path, "SPECIFY_INIT_DIR")
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_project_root(folder):
            return Resolved(folder, "nearest .specify/ upward")
    raise ProjectNotFoundError(
        f"No specify project in {here} or any folder above it.",
        "Run `specify init --here --agent KEY` to create one, or set SPECIFY_INIT_DIR.",
    )


def specs_dir(root: Path) -> Path:
    return root / "specs"


def legacy_specs_dir(root: Path) -> Path:
    """Return spec-kit's early location for feature folders, ``.specify/specs/``."""
    return root / ".specify" / "specs"


def feature_search_dirs(root: Path) -> list[Path]:
    """Return the existing folders that hold feature folders, ``specs/`` first."""
    return [base for base in (specs_dir(root), legacy_specs_dir(root)) if base.is_dir()]


def _feature_dirs(root: Path) -> list[Path]:
    found: list[Path] = []
    for base in feature_search_dirs(root):
        found.extend(p for p in base.iterdir() if p.is_dir() and FEATURE_NUMBER.match(p.name))
    return sorted(found, key=lambda p: p.name)


def _number_value(name: str) -> int | None:
    match = FEATURE_NUMBER.match(name)
    return int(match.group(1)) if match else None


def _project_folder(root: Path, path: Path) -> bool:
    """Return whether ``path`` is the root, a folder of feature folders, or inside ``.specify/``.

    None of these is a feature, though each is a folder that a path value can name.
    """
    resolved = path.resolve()
    root = root.resolve()
    if resolved in (root, specs_dir(root), legacy_specs_dir(root)):
        return True
    legacy = legacy_specs_dir(root)
    return resolved.is_relative_to(root / ".specify") and not resolved.is_relative_to(legacy)


def match_feature(root: Path, value: str, origin: str) -> Path:
    """Find the feature folder named by ``value``: a number, a folder name or a path."""
    if not value.strip():
        raise FeatureNotFoundError(f"{origin} is empty.", "Name a feature: NNN, NNN-slug or a path.")
    looks_like_path = "/" in value or "\\" in value or value.startswith((".", "~"))
    if looks_like_path:
        candidate = Path(value).expanduser()
        # Relative to the root first, then to the working directory (a feature folder itself).
        folders = [path for path in (root / candidate, candidate) if path.is_dir()]
        for path in folders:
            if not _project_folder(root, path):
                return path.resolve()
        if folders:
            raise FeatureNotFoundError(
                f"{origin} '{value}' is {folders[0].resolve()}, which is not a feature folder.",
                "Name a folder such as specs/001-login, or give its number.",
            )
    for base in feature_search_dirs(root):
        exact = base / value
        if exact.is_dir() and not _project_folder(root, exact):
            return exact.resolve()
    number = FEATURE_NUMBER.match(value)
    if value.isdigit():
        # A bare number matches by value, so "3" and "003" both name 003-export.
        matches = [p for p in _feature_dirs(root) if _number_value(p.name) == int(value)]
    else:
        matches = [p for p in _feature_dirs(root) if number and p.name.startswith(number.group(1) + "-")]
    if len(matches) == 1:
        return matches[0].resolve()
    known = ", ".join(p.name for p in _feature_dirs(root)) or "none"
    if len(matches) > 1:
        names = ", ".join(p.name for p in matches)
        raise FeatureNotFoundError(
            f"{origin} '{value}' matches several features: {names}.", "Give the full folder name."
        )
    raise FeatureNotFoundError(
        f"{origin} '{value}' matches no feature folder under {specs_dir(root)}.",
        f"Known features: {known}.{_stale_hint(origin)}",
    )


def _stale_hint(origin: str) -> str:
    """Say how to clear a stored or inherited feature name that no longer matches."""
    if origin == str(FEATURE_JSON):
        return " Run `specify feature use NNN` to choose another one."
    if origin.startswith("SPECIFY_"):
        return f" Change or unset {origin}."
    if origin == "git branch":
        return " Run `specify feature use NNN`, or switch to a feature branch."
    return ""


def current_branch(root: Path) -> str | None:
    """Return the checked-out branch name, or None outside git or on a detached HEAD."""
    head = root / ".git" / "HEAD"
    try:
        if head.is_file():
            text = head.read_text(encoding="utf-8").strip()
            return text.removeprefix("ref: refs/heads/") if text.startswith("ref: refs/heads/") else None
    except OSError:
        return None
    import git  # GitPython: about 60 ms; only reached in worktrees and submodules

    try:
        repo = git.Repo(root, search_parent_directories=True)
        return None if repo.head.is_detached else repo.active_branch.name
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, TypeError):
        return None


def read_feature_json(root: Path) -> str | None:
    path = root / FEATURE_JSON
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FeatureNotFoundError(
            f"{path} is not valid JSON ({exc}).",
            "Run `specify feature use NNN` to rewrite it, or delete it.",
        ) from exc
    value = data.get("feature_directory") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def find_feature(root: Path, flag: str | None = None) -> Resolved | None:
    """Return the active feature folder and its rule, or None when no rule names one.

    A rule that names a feature which does not exist raises FeatureNotFoundError.
    """
    if flag:
        return Resolved(match_feature(root, flag, "--feature"), "--feature")
    for var in ("SPECIFY_FEATURE_DIRECTORY", "SPECIFY_FEATURE"):
        value = os.environ.get(var)
        if value:
            return Resolved(match_feature(root, value, var), var)
    stored = read_feature_json(root)
    if stored:
        return Resolved(match_feature(root, stored, str(FEATURE_JSON)), str(FEATURE_JSON))
    branch = current_branch(root)
    if branch:
        name = branch.rsplit("/", 1)[-1]
        if FEATURE_NUMBER.match(name):
            return Resolved(match_feature(root, name, "git branch"), "git branch")
    return None


def resolve_feature(root: Path, flag: str | None = None) -> Resolved:
    """Return the active feature folder and the rule that chose it."""
    found = find_feature(root, flag)
    if found is not None:
        return found
    raise FeatureNotFoundError(
        "No active feature: no --feature, SPECIFY_FEATURE, .specify/feature.json or feature branch.",
        "Run `specify feature new \"DESCRIPTION\"` or `specify feature use NNN`.",
    )
