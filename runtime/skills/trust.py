"""The record of projects whose skills the user trusts.

Project skills are prompt text that comes with a repository, so they load only in a project
the user trusted with ``specify trust``. The record is ``trusted-projects.json`` in the
specify user directory: ``{"projects": {"/abs/root": {"trusted_at": "ISO-8601 UTC"}}}``.
Trust covers exactly the recorded folder (resolved, symlinks followed), not its subfolders.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from specify.errors import ConfigError
from specify.fsutil import atomic_write_text, locked
from specify.settings import user_home

TRUST_FILE = "trusted-projects.json"


def trust_file() -> Path:
    return user_home() / TRUST_FILE


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}.",
                          "Delete the file and run `specify trust` again in each trusted project.") from exc
    projects = data.get("projects") if isinstance(data, dict) else None
    if not isinstance(projects, dict):
        raise ConfigError(f"{path} has no 'projects' mapping.",
                          "Delete the file and run `specify trust` again in each trusted project.")
    return projects


def _key(root: Path) -> str:
    return str(Path(root).resolve())


def trusted_projects() -> list[str]:
    """Return the trusted project folders, sorted."""
    return sorted(_read(trust_file()))


def is_trusted(root: Path) -> bool:
    return _key(root) in _read(trust_file())


def _update(root: Path, add: bool) -> bool:
    path = trust_file()
    key = _key(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path):
        projects = _read(path)
        if (key in projects) == add:
            return False
        if add:
            projects[key] = {"trusted_at": datetime.now(UTC).isoformat(timespec="seconds")}
        else:
            del projects[key]
        text = json.dumps({"projects": projects}, indent=2, sort_keys=True) + "\n"
        atomic_write_text(path, text, mode=0o600)
    return True


def trust_project(root: Path) -> bool:
    """Record ``root`` as trusted; return False when it already was."""
    if not Path(root).is_dir():
        raise ConfigError(f"{root} is not a folder, so it cannot be trusted.",
                          "Pass the project's root folder.")
    return _update(root, add=True)


def revoke_project(root: Path) -> bool:
    """Remove ``root`` from the record; return False when it was not trusted."""
    return _update(root, add=False)
