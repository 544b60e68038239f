"""Fixtures shared by every test: an isolated user directory and a clean environment."""

from __future__ import annotations

from pathlib import Path

import pytest

_SPECIFY_VARS = (
    "SPECIFY_BACKEND",
    "SPECIFY_MODEL",
    "SPECIFY_BASE_URL",
    "SPECIFY_FEATURE",
    "SPECIFY_FEATURE_DIRECTORY",
    "SPECIFY_INIT_DIR",
    "SPECIFY_DEBUG",
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point SPECIFY_HOME and HOME at a fresh folder and clear settings from the environment."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SPECIFY_HOME", str(home / "specify"))
    monkeypatch.setenv("HOME", str(home))
    for var in _SPECIFY_VARS:
        monkeypatch.delenv(var, raising=False)
    # Git needs an identity for commits; a user's global config is not read under this HOME.
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "author@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Author")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "author@example.com")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return home
