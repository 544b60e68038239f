"""Claims: live runs hold tasks; dead processes, other hosts and bad files do not."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from specify.tasks import read_claims, release_claim, write_claim


def write_raw(root: Path, run_id: str, data: object) -> None:
    path = root / ".specify" / "runs" / run_id / "claim.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_live_claim_is_read(tmp_path: Path) -> None:
    write_claim(tmp_path, "run-1", ["T004", "t005"])
    claims = read_claims(tmp_path)
    assert sorted(claims) == ["T004", "T005"]
    assert claims["T004"].run_id == "run-1"
    assert claims["T004"].pid == os.getpid()


def test_dead_process_claim_ignored(tmp_path: Path) -> None:
    write_raw(
        tmp_path,
        "run-2",
        {
            "run_id": "run-2",
            "pid": dead_pid(),
            "tasks": ["T001"],
            "started_at": "",
            "host": socket.gethostname(),
        },
    )
    assert read_claims(tmp_path) == {}


def test_other_host_claim_ignored(tmp_path: Path) -> None:
    write_raw(
        tmp_path,
        "run-3",
        {
            "run_id": "run-3",
            "pid": os.getpid(),
            "tasks": ["T001"],
            "started_at": "",
            "host": "another-machine.invalid",
        },
    )
    assert read_claims(tmp_path) == {}


def test_malformed_claims_ignored(tmp_path: Path) -> None:
    write_raw(tmp_path, "run-4", {"pid": "not a number", "tasks": ["T001"]})
    write_raw(tmp_path, "run-5", ["not", "an", "object"])
    bad = tmp_path / ".specify" / "runs" / "run-6" / "claim.json"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"{truncated")
    assert read_claims(tmp_path) == {}


def test_released_claim_gone(tmp_path: Path) -> None:
    write_claim(tmp_path, "run-7", ["T001"])
    release_claim(tmp_path, "run-7")
    assert read_claims(tmp_path) == {}


def test_no_runs_folder(tmp_path: Path) -> None:
    assert read_claims(tmp_path) == {}


def test_claim_limited_to_its_file(tmp_path: Path) -> None:
    first = tmp_path / "specs" / "001-a" / "tasks.md"
    other = tmp_path / "specs" / "002-b" / "tasks.md"
    write_claim(tmp_path, "run-1", ["T004"], tasks_file=first)
    assert sorted(read_claims(tmp_path, first)) == ["T004"]
    assert read_claims(tmp_path, other) == {}


def test_claim_without_file_applies_everywhere(tmp_path: Path) -> None:
    write_claim(tmp_path, "run-1", ["T004"])
    assert sorted(read_claims(tmp_path, tmp_path / "specs" / "002-b" / "tasks.md")) == ["T004"]
