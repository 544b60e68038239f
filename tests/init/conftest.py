"""Helpers for `specify init` tests: run the CLI in process and snapshot folders."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specify.cli.main import app

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


@pytest.fixture
def specify(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """Run `specify ARGS...` in process, optionally from ``cwd``; stdin is empty."""

    def run(*args: str, cwd: Path | None = None) -> Run:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        return Run(result)

    return run


@pytest.fixture
def user_folder(tmp_path: Path) -> Path:
    """A copy of a folder with the user's editor settings and agent notes, no .specify/."""
    target = tmp_path / "project"
    shutil.copytree(FIXTURES / "user-folder", target)
    return target


@pytest.fixture
def user_project(tmp_path: Path) -> Path:
    """A copy of a project with a filled-in constitution and an edited spec template."""
    target = tmp_path / "project"
    shutil.copytree(FIXTURES / "user-project", target)
    return target
