"""Fixtures for `specify init` tests: the CLI in process and copies of user folders."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from init_support import FIXTURES, Run
from typer.testing import CliRunner

from specify.cli.main import app


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
