from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.stages.scripted import ScriptedProvider


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository initialised by `specify init` for Claude, as the working directory."""
    root = tmp_path / "repo"
    subprocess.run([sys.executable, "-m", "specify", "init", str(root), "--agent", "claude", "--non-interactive"],
                   check=True, capture_output=True)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Install a ScriptedProvider in place of the real backends; returns a setter for replies."""
    holder: dict[str, ScriptedProvider] = {}

    def install(replies: list) -> ScriptedProvider:  # type: ignore[type-arg]
        provider = ScriptedProvider(list(replies))
        holder["provider"] = provider
        return provider

    monkeypatch.setattr("specify.stages.runner.build_provider", lambda choice, loaded: holder["provider"])
    return install
