"""Feature numbers: sequential ``NNN`` (at least three digits) or ``YYYYMMDD-HHMMSS``.

The next sequential number is one more than the highest number in use, where "in use" means
a folder under ``specs/`` (or the legacy ``.specify/specs/``), a local branch, or a
remote-tracking branch whose last path segment starts with the number. Timestamp-named
folders and branches do not count. Remote branches are read from the local repository as of
its last fetch; nothing here touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from specify.project import feature_search_dirs

SEQUENTIAL = re.compile(r"^(\d{3,})(?:-|$)")
TIMESTAMP = re.compile(r"^\d{8}-\d{6}(?:-|$)")


@dataclass(frozen=True)
class NumberChoice:
    """The chosen feature number and any warnings to show the user."""

    number: str
    warnings: list[str] = field(default_factory=list)


def number_of(name: str) -> int | None:
    """Return the sequential number a folder or branch name starts with, if any."""
    last = name.rsplit("/", 1)[-1]
    if TIMESTAMP.match(last):
        return None
    match = SEQUENTIAL.match(last)
    return int(match.group(1)) if match else None


def folder_names(root: Path) -> list[str]:
    names: list[str] = []
    for base in feature_search_dirs(root):
        names.extend(entry.name for entry in base.iterdir() if entry.is_dir())
    return names


def used_numbers(names: Iterable[str]) -> set[int]:
    return {n for n in map(number_of, names) if n is not None}


def format_number(value: int) -> str:
    return f"{value:03d}"


def choose_sequential(used: set[int], requested: int | None) -> NumberChoice:
    """Pick the next number, or ``requested``; one already in use moves to the next free number."""
    if requested is None:
        return NumberChoice(format_number(max(used, default=0) + 1))
    if requested < 0:
        from specify.errors import UsageError

        raise UsageError(f"--number {requested} is negative.", "Give a number of 0 or more.")
    if requested not in used:
        return NumberChoice(format_number(requested))
    bumped = requested + 1
    while bumped in used:
        bumped += 1
    warning = (
        f"feature number {format_number(requested)} is already used by a spec folder or branch; "
        f"using {format_number(bumped)} instead"
    )
    return NumberChoice(format_number(bumped), [warning])


def timestamp_number(now: datetime | None = None) -> str:
    """Return a ``YYYYMMDD-HHMMSS`` feature prefix in local time, as spec-kit writes it."""
    return (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
