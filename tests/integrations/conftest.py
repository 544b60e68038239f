"""Fixtures for integration tests: a project initialised with one agent, and the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specify.cli.main import app


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., tuple[int, str, str]]:
    """Run `specify ARGS...` in process from ``tmp_path``; return (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def cli_json(cli: Callable[..., tuple[int, str, str]]) -> Callable[..., dict]:  # type: ignore[type-arg]
    """Run `specify ARGS... --json`, check it succeeded and return the parsed output."""

    def run(*args: str) -> dict:  # type: ignore[type-arg]
        code, out, err = cli(*args, "--json")
        assert code == 0, err
        return json.loads(out)

    return run
