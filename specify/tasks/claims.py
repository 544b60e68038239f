"""Claims that implement runs hold on tasks.

An implement run writes ``.specify/runs/<run-id>/claim.json`` while it works::

    {"run_id": "20260101-120000-ab12", "pid": 4242, "tasks": ["T004", "T005"],
     "started_at": "2026-01-01T12:00:00+00:00", "host": "buildbox",
     "tasks_file": "/repo/specs/001-photos/tasks.md"}

``host`` is ``socket.gethostname()`` of the machine the run is on. ``tasks_file`` names the
tasks.md the ids belong to, because every feature numbers its tasks from T001; a claim without
it (written by an older version) applies to every feature. A claim is live while a
process with ``pid`` exists on this machine. A claim whose process is gone, or that names
another host, is stale and ignored. Unreadable or malformed claim files are logged and
ignored too, because a crashed run must never block the next one.

NOTE: liveness is checked by pid only, so after a crash a pid reused by an unrelated process
keeps the claim live until that process ends; ``started_at`` is not compared with its start time.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from specify.fsutil import atomic_write_text

logger = logging.getLogger(__name__)

CLAIM_FILE = "claim.json"


@dataclass(frozen=True)
class Claim:
    """A live claim: which run holds a task, its process id and when it started."""

    run_id: str
    pid: int
    host: str
    started_at: str
    path: Path
    tasks_file: str | None = None


def runs_dir(root: Path) -> Path:
    return Path(root) / ".specify" / "runs"


def read_claims(root: Path, tasks_file: Path | None = None) -> dict[str, Claim]:
    """Return live claims under ``root/.specify/runs``, keyed by upper-case task id.

    With ``tasks_file``, claims recorded for another tasks.md are left out.
    """
    base = runs_dir(root)
    if not base.is_dir():
        return {}
    this_host = socket.gethostname()
    wanted = str(Path(tasks_file).resolve()) if tasks_file is not None else None
    claims: dict[str, Claim] = {}
    for path in sorted(base.glob(f"*/{CLAIM_FILE}")):
        loaded = _load_claim(path)
        if loaded is None:
            continue
        claim, task_ids = loaded
        if claim.host != this_host or not pid_alive(claim.pid):
            logger.debug("%s: stale claim (host %s, pid %d)", path, claim.host, claim.pid)
            continue
        if wanted is not None and claim.tasks_file is not None and claim.tasks_file != wanted:
            continue
        for task_id in task_ids:
            claims[task_id.upper()] = claim
    return claims


def _load_claim(path: Path) -> tuple[Claim, list[str]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        logger.warning("%s: unreadable claim ignored (%s)", path, exc)
        return None
    tasks = data.get("tasks") if isinstance(data, dict) else None
    pid = data.get("pid") if isinstance(data, dict) else None
    if not isinstance(pid, int) or not isinstance(tasks, list):
        logger.warning("%s: claim without an integer pid and a task list ignored", path)
        return None
    claim = Claim(
        run_id=str(data.get("run_id") or path.parent.name),
        pid=pid,
        host=str(data.get("host", "")),
        started_at=str(data.get("started_at", "")),
        path=path,
        tasks_file=str(data["tasks_file"]) if isinstance(data.get("tasks_file"), str) else None,
    )
    return claim, [str(task) for task in tasks]


def write_claim(root: Path, run_id: str, task_ids: Iterable[str], tasks_file: Path | None = None) -> Path:
    """Record that this process (run ``run_id``) works on ``task_ids``; return the claim file.

    Pass ``tasks_file`` (the tasks.md the ids come from) so the claim holds only that feature's tasks.
    """
    path = runs_dir(root) / run_id / CLAIM_FILE
    data: dict[str, object] = {
        "run_id": run_id,
        "pid": os.getpid(),
        "tasks": list(task_ids),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
    }
    if tasks_file is not None:
        data["tasks_file"] = str(Path(tasks_file).resolve())
    atomic_write_text(path, json.dumps(data, indent=2) + "\n")
    return path


def release_claim(root: Path, run_id: str) -> None:
    """Delete the claim of run ``run_id``; a missing claim is fine."""
    path = runs_dir(root) / run_id / CLAIM_FILE
    path.unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    """True when a process with ``pid`` exists on this machine."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid_alive_windows(pid: int) -> bool:
    # os.kill(pid, 0) would terminate the process on Windows, so ask the kernel instead.
    # NOTE: the test suite runs on Linux, so this branch has not been run.
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    process_query_limited_information = 0x1000
    still_active = 259
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return bool(ok) and code.value == still_active
    finally:
        kernel32.CloseHandle(handle)
