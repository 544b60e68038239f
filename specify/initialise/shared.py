"""Plan the shared project files under ``.specify/``.

- ``memory/constitution.md``: a copy of the constitution template, written once; after that
  it is the user's and is never replaced.
- ``templates/``: every file of the bundled ``templates/artifacts/``, managed through
  ``.specify/manifest.json`` (replaced on upgrade only while unchanged).
- ``config.toml``: commented defaults, written once.
- ``.gitignore``: gains the lines that keep per-user state out of commits.
"""

from __future__ import annotations

import logging
from pathlib import Path

from specify import __version__
from specify.integrations.files import Change, plan_create_only, plan_lines, plan_managed, plan_owned
from specify.integrations.manifest import SHARED_MANIFEST, read_shared, shared_bytes, speckit_hashes
from specify.resources import templates_dir

logger = logging.getLogger(__name__)

CONSTITUTION = ".specify/memory/constitution.md"
CONSTITUTION_TEMPLATE = "constitution-template.md"
CONFIG = ".specify/config.toml"
GITIGNORE = ".specify/.gitignore"
# The active feature and run transcripts are per user; lock files are per process.
GITIGNORE_LINES = ["feature.json", "runs/", "*.lock"]


def artifact_templates() -> dict[str, bytes]:
    """Return the bundled artifact templates: path relative to ``templates/artifacts`` -> bytes."""
    folder = templates_dir() / "artifacts"
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def plan_shared(root: Path) -> list[Change]:
    """Plan every shared file, ending with the shared manifest that records their hashes."""
    templates = artifact_templates()
    changes: list[Change] = []

    constitution = templates.get(CONSTITUTION_TEMPLATE)
    if constitution is None:
        # NOTE: a build without artifact templates still initialises; the constitution
        # stage then creates the file from its own skeleton.
        logger.warning("No %s among the bundled templates; skipping %s", CONSTITUTION_TEMPLATE, CONSTITUTION)
    else:
        changes.append(plan_create_only(root, CONSTITUTION, constitution))

    recorded = read_shared(root)
    foreign = speckit_hashes(root)
    managed = [
        plan_managed(root, f".specify/templates/{name}", data, recorded, foreign) for name, data in templates.items()
    ]
    changes.extend(managed)

    config = (templates_dir() / "project" / "config.toml").read_bytes()
    changes.append(plan_create_only(root, CONFIG, config))
    changes.append(plan_lines(root, GITIGNORE, GITIGNORE_LINES))

    files = {change.path: change.record for change in managed if change.record}
    for path, digest in recorded.items():
        files.setdefault(path, digest)
    changes.append(plan_owned(root, SHARED_MANIFEST.as_posix(), shared_bytes(__version__, files)))
    return changes
