"""Helpers for feature tests: real projects and git repositories in tmp_path."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from specify.cli.main import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SPECIFY_BIN = Path(sys.executable).with_name("specify")


def make_project(root: Path) -> Path:
    (root / ".specify" / "memory").mkdir(parents=True, exist_ok=True)
    return root


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def init_repo(root: Path, commit: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    if commit:
        (root / "README.md").write_text("project\n", encoding="utf-8")
        git(root, "add", "README.md")
        git(root, "commit", "-q", "-m", "first")
    return root


def branch_is_valid(name: str) -> bool:
    """Ask git itself whether ``name`` is a valid branch name."""
    result = subprocess.run(["git", "check-ref-format", "--branch", name], capture_output=True)
    return result.returncode == 0


class Cli:
    """Run `specify` through CliRunner in a chosen working folder."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.runner = CliRunner()
        self.monkeypatch = monkeypatch

    def __call__(self, cwd: Path, *args: str) -> Any:
        self.monkeypatch.chdir(cwd)
        return self.runner.invoke(app, list(args), catch_exceptions=False)

    def json(self, cwd: Path, *args: str) -> dict[str, Any]:
        result = self(cwd, *args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(monkeypatch)


def run_specify(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `specify` console script as a subprocess."""
    command = [str(SPECIFY_BIN)] if SPECIFY_BIN.exists() else [sys.executable, "-m", "specify"]
    return subprocess.run(
        [*command, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60
    )


def copy_fixture(name: str, target: Path) -> Path:
    shutil.copytree(FIXTURES / name, target)
    return target
