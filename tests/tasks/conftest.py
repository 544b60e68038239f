"""Paths to the tasks.md fixtures and a helper that builds a specify project in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TASKS_FIXTURES = FIXTURES / "tasks"
SPECKIT_FIXTURES = FIXTURES / "speckit"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make a project whose feature 001-photos has crlf-bom-phases.md as tasks.md; cd into it."""
    (tmp_path / ".specify" / "memory").mkdir(parents=True)
    feature = tmp_path / "specs" / "001-photos"
    feature.mkdir(parents=True)
    shutil.copyfile(TASKS_FIXTURES / "crlf-bom-phases.md", feature / "tasks.md")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def tasks_fixture():
    """Return the bytes of a file under tests/fixtures/tasks."""

    def read(name: str) -> bytes:
        return (TASKS_FIXTURES / name).read_bytes()

    return read
