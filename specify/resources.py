"""Locate the bundled ``templates/`` and ``skills/`` folders.

In a wheel they are package data under ``specify/_bundled/``; in a source checkout or an
editable install they are the top-level folders of the repository. Both layouts resolve
through :func:`bundled_dir`, so code never guesses.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from specify.errors import SpecifyError

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def bundled_dir(name: str) -> Path:
    """Return the folder of bundled data ``name`` (``templates`` or ``skills``)."""
    candidates = (_PACKAGE_DIR / "_bundled" / name, _PACKAGE_DIR.parent / name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise SpecifyError(
        f"Bundled folder '{name}' is missing; looked in {', '.join(map(str, candidates))}.",
        "Reinstall the package: pip install --force-reinstall specify-agent",
    )


def templates_dir() -> Path:
    return bundled_dir("templates")


def skills_dir() -> Path:
    return bundled_dir("skills")
