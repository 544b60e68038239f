"""Helpers for `specify init` tests: the CLI result wrapper, folder snapshots, fixture paths."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "init"


def snapshot(root: Path) -> dict[str, bytes]:
    """Return every file under ``root`` except git's own, as path -> bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


class Run:
    def __init__(self, result) -> None:  # type: ignore[no-untyped-def]
        self.result = result
        self.exit_code = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr

    def json(self) -> dict:  # type: ignore[type-arg]
        return json.loads(self.stdout)

    def statuses(self) -> dict[str, str]:
        return {entry["path"]: entry["status"] for entry in self.json()["files"]}
