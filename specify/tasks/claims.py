"""Claims that implement runs hold on tasks.

An implement run writes ``.specify/runs/<run-id>/claim.json`` while it works::

    {"run_id": "20260101-120000-ab12", "pid": 4242, "tasks": ["T004", "T005"],
     "started_at": "2026-01-01T12:00:00+00:00", "host": "buildbox"}

A claim is live while a process with ``pid`` runs on this machine (``host`` equal to
``socket.gethostname()``). A claim whose process is gone, or that names another host, is
stale and ignored. Unreadable or malformed claim files are logged and ignored too, because a
crashed run must never block the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Claim:
    """A live claim: which run holds a task, its process id and when it started."""

    run_id: str
    pid: int
    host: str
    started_at: str
    path: Path


def read_claims(root: Path) -> dict[str, Claim]:
    """Return live claims under ``root/.specify/runs``, keyed by upper-case task id."""
    raise NotImplementedError
