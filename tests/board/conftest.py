"""Fixtures for the board tests: small real projects and a way to drive the app."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "fixtures" / "cases"
FROZEN_NOW = datetime(2026, 1, 2, 12, 34, 56)
APP_SIZE = (80, 24)

SPEC_MD = """# Feature Specification: Photo albums

## User Scenarios & Testing

### User Story 1 - Browse albums (Priority: P1)

A visitor opens the site and sees every album as a grid of covers.

**Acceptance Scenarios**:

1. **Given** two albums, **When** the visitor opens the site, **Then** both covers show.

### User Story 2 - Share an album (Priority: P2)

An owner copies a link to one album.
"""

PLAN_MD = """# Implementation Plan: Photo albums

## Summary

A Vite front end over a SQLite file; no server beyond static hosting.

## Technical Context

JavaScript (ES2022), Vite 5, sql.js for SQLite in the browser.

## Project Structure

- app/src/album.js: the album model and its queries
- app/src/grid.js: the album grid view
"""

ALL_DONE_MD = """# Tasks: Search

## Phase 1: Setup

- [x] T001 Add the search index in app/src/index.js
- [x] T002 Wire the search box in app/src/search.js
"""


def write_project(root: Path) -> Path:
    """Create a project with four features, one at each of the later stages."""
    (root / ".specify" / "memory").mkdir(parents=True)
    albums = root / "specs" / "001-photo-albums"
    albums.mkdir(parents=True)
    shutil.copyfile(CASES / "tasks" / "crlf-bom-phases.md", albums / "tasks.md")
    (albums / "spec.md").write_text(SPEC_MD, encoding="utf-8")
    (albums / "plan.md").write_text(PLAN_MD, encoding="utf-8")

    sharing = root / "specs" / "002-sharing"
    sharing.mkdir()
    (sharing / "spec.md").write_text("# Feature Specification: Sharing\n", encoding="utf-8")
    (sharing / "plan.md").write_text("# Implementation Plan: Sharing\n", encoding="utf-8")

    nested = root / "specs" / "003-nested-subtasks"
    nested.mkdir()
    shutil.copyfile(CASES / "tasks" / "nested-subtasks.md", nested / "tasks.md")

    search = root / "specs" / "004-search"
    search.mkdir()
    (search / "tasks.md").write_text(ALL_DONE_MD, encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh project in ``tmp_path``, which is also the working directory."""
    root = write_project(tmp_path / "project")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def albums(project: Path) -> Path:
    return project / "specs" / "001-photo-albums"


def drive(app: object, steps: Callable[[object], Awaitable[None]], size: tuple[int, int] = APP_SIZE) -> None:
    """Run ``app`` headless at ``size`` and await ``steps(pilot)`` inside it."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:  # type: ignore[attr-defined]
            await pilot.pause()
            await steps(pilot)

    asyncio.run(main())


async def wait_until(pilot: object, condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Let the app process events until ``condition()`` holds; fail after ``timeout`` seconds.

    This polls an outcome instead of sleeping a fixed time, so a slow machine only waits
    longer and never fails early.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition still false after {timeout} s")
        await pilot.pause(0.02)  # type: ignore[attr-defined]


def frozen_clock() -> datetime:
    return FROZEN_NOW
