"""Manifests: the sha256 of every file `specify init` wrote for one agent.

``.specify/integrations/<key>.manifest.json`` contains ``{"integration", "mode",
"specify_version", "files": {path: sha256}}`` (plus ``commands_dir`` for the generic agent).
A managed file whose current hash equals its recorded one is unchanged since it was written
and may be replaced or removed; any other file belongs to the user. The skills runtime reads
these manifests to skip the stage skills that init wrote.

spec-kit writes manifests in the same folder with a ``version`` key instead of
``specify_version``; :func:`speckit_hashes` reads them so init can tell spec-kit's untouched
files from the user's edits when it adopts a spec-kit project.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specify.errors import ArtifactError
from specify.integrations.agents import Mode

MANIFEST_DIR = Path(".specify") / "integrations"
# Hashes of the shared files under .specify/ (the artifact templates).
SHARED_MANIFEST = Path(".specify") / "manifest.json"


@dataclass
class Manifest:
    integration: str
    mode: Mode
    specify_version: str
    files: dict[str, str] = field(default_factory=dict)
    commands_dir: str | None = None

    def to_bytes(self) -> bytes:
        data: dict[str, Any] = {
            "integration": self.integration,
            "mode": self.mode,
            "specify_version": self.specify_version,
        }
        if self.commands_dir is not None:
            data["commands_dir"] = self.commands_dir
        data["files"] = dict(sorted(self.files.items()))
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def manifest_path(root: Path, key: str) -> Path:
    return root / MANIFEST_DIR / f"{key}.manifest.json"


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(
            f"Manifest {path} is not valid JSON: {exc}.",
            "Restore it from version control, or delete it to treat its files as your own.",
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("files", {}), dict):
        raise ArtifactError(f"Manifest {path} has no 'files' object.", "Restore it or delete it.")
    return data


def read_manifest(root: Path, key: str) -> Manifest | None:
    """Return the manifest that specify wrote for ``key``; None when absent or spec-kit's."""
    data = _read_json(manifest_path(root, key))
    if data is None or "specify_version" not in data:
        return None
    mode = data.get("mode", "commands")
    return Manifest(
        integration=str(data.get("integration", key)),
        mode="skills" if mode == "skills" else "commands",
        specify_version=str(data["specify_version"]),
        files={str(k): str(v) for k, v in data.get("files", {}).items()},
        commands_dir=data.get("commands_dir"),
    )


def installed_keys(root: Path) -> list[str]:
    """Return the agent keys with a specify manifest, sorted."""
    folder = root / MANIFEST_DIR
    if not folder.is_dir():
        return []
    keys = []
    for path in sorted(folder.glob("*.manifest.json")):
        key = path.name.removesuffix(".manifest.json")
        if read_manifest(root, key) is not None:
            keys.append(key)
    return keys


def speckit_hashes(root: Path) -> dict[str, str]:
    """Return path -> sha256 from every spec-kit manifest in the project."""
    folder = root / MANIFEST_DIR
    hashes: dict[str, str] = {}
    if not folder.is_dir():
        return hashes
    for path in sorted(folder.glob("*.manifest.json")):
        data = _read_json(path)
        if data is not None and "specify_version" not in data:
            hashes.update({str(k): str(v) for k, v in data.get("files", {}).items()})
    return hashes


def read_shared(root: Path) -> dict[str, str]:
    data = _read_json(root / SHARED_MANIFEST)
    return {} if data is None else {str(k): str(v) for k, v in data.get("files", {}).items()}


def shared_bytes(version: str, files: dict[str, str]) -> bytes:
    data = {"specify_version": version, "files": dict(sorted(files.items()))}
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
