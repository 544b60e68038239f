"""Initialising folders that already hold work: the user's files and spec-kit projects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from init_support import FIXTURES, snapshot

from specify.fsutil import sha256_bytes

AGENTS = ("--agent", "copilot", "--agent", "claude")
USER_FILES = ("CLAUDE.md", ".github/copilot-instructions.md")


def test_settings_merge_keeps_user_lines(specify, user_folder: Path) -> None:
    original = (user_folder / ".vscode/settings.json").read_text()
    run = specify("init", "--here", *AGENTS, "--commands", "--force", "--no-git", "--json", cwd=user_folder)
    assert run.exit_code == 0, run.stderr
    merged = (user_folder / ".vscode/settings.json").read_text()
    for line in original.splitlines():
        if line.strip() not in ("}", "},"):
            assert line in merged, line
    assert '"specify check": true' in merged
    assert '"speckit.plan": true' in merged
    assert run.statuses()[".vscode/settings.json"] == "updated"


def test_user_notes_left_alone(specify, user_folder: Path) -> None:
    before = snapshot(user_folder)
    for extra in (("--force",), ("--force",), ("--force", "--commands")):
        run = specify("init", "--here", *AGENTS, "--no-git", *extra, cwd=user_folder)
        assert run.exit_code == 0, run.stderr
    after = snapshot(user_folder)
    for name in USER_FILES:
        assert after[name] == before[name], name


def test_user_folder_rerun_identical(specify, user_folder: Path) -> None:
    args = ("init", "--here", *AGENTS, "--commands", "--force", "--no-git")
    specify(*args, cwd=user_folder)
    before = snapshot(user_folder)
    run = specify(*args, "--json", cwd=user_folder)
    assert snapshot(user_folder) == before
    assert set(run.statuses().values()) == {"unchanged"}


def test_constitution_and_template_kept(specify, user_project: Path) -> None:
    before = snapshot(user_project)
    for extra in ((), ("--force",), ()):
        run = specify("init", "--here", *AGENTS, "--no-git", "--json", *extra, cwd=user_project)
        assert run.exit_code == 0, run.stderr
        statuses = run.statuses()
        assert statuses[".specify/memory/constitution.md"] == "kept"
        assert statuses[".specify/templates/spec-template.md"] == "kept"
    after = snapshot(user_project)
    for name in (
        ".specify/memory/constitution.md",
        ".specify/templates/spec-template.md",
        *USER_FILES,
    ):
        assert after[name] == before[name], name


def test_kept_files_in_human_report(specify, user_project: Path) -> None:
    run = specify("init", "--here", *AGENTS, "--no-git", cwd=user_project)
    assert "kept      .specify/memory/constitution.md" in run.stdout
    assert "kept      .specify/templates/spec-template.md" in run.stdout


def build_speckit_project(root: Path) -> dict[str, bytes]:
    """Lay out a project as spec-kit 1.x leaves it, with two files the user edited."""
    original = {
        ".claude/skills/speckit-plan/SKILL.md": b"---\nname: speckit-plan\n---\nspec-kit plan\n",
        ".claude/skills/speckit-tasks/SKILL.md": b"---\nname: speckit-tasks\n---\nspec-kit tasks\n",
        ".specify/templates/spec-template.md": b"# Feature Specification: [FEATURE NAME]\n",
        ".specify/templates/plan-template.md": b"# Implementation Plan: [FEATURE]\n",
    }
    current = {
        **original,
        ".claude/skills/speckit-tasks/SKILL.md": b"spec-kit tasks, with my team's rules\n",
        ".specify/templates/plan-template.md": b"# Plan, our way\n",
        ".claude/skills/speckit-specify/SKILL.md": b"---\nname: speckit-specify\n---\nspec-kit specify\n",
        ".claude/skills/speckit-taskstoissues/SKILL.md": b"spec-kit issues\n",
        ".specify/memory/constitution.md": (FIXTURES / "user-project/.specify/memory/constitution.md").read_bytes(),
        ".specify/scripts/bash/common.sh": b"#!/usr/bin/env bash\n",
        ".specify/init-options.json": b'{"integration": "claude", "script": "sh"}\n',
        "specs/001-photo-albums/spec.md": b"# Photo albums\n",
    }
    hashes = {path: sha256_bytes(data) for path, data in original.items()}
    manifests = {
        "claude": {k: v for k, v in hashes.items() if k.startswith(".claude")},
        "speckit": {k: v for k, v in hashes.items() if k.startswith(".specify")},
    }
    for key, files in manifests.items():
        data = {
            "integration": key,
            "version": "1.2.3",
            "installed_at": "2026-11-02T10:00:00",
            "files": files,
        }
        current[f".specify/integrations/{key}.manifest.json"] = json.dumps(data).encode()
    for path, data in current.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    return current


def test_speckit_project_adopted(specify, tmp_path: Path) -> None:
    before = build_speckit_project(tmp_path)
    run = specify("init", "--here", "--agent", "claude", "--no-git", "--json", cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert run.json()["kind"] == "spec-kit"
    statuses = run.statuses()
    assert statuses[".claude/skills/speckit-plan/SKILL.md"] == "adopted"
    assert statuses[".claude/skills/speckit-specify/SKILL.md"] == "adopted"
    assert statuses[".specify/templates/spec-template.md"] == "adopted"
    assert statuses[".claude/skills/speckit-tasks/SKILL.md"] == "kept"
    assert statuses[".specify/templates/plan-template.md"] == "kept"
    assert statuses[".specify/memory/constitution.md"] == "kept"
    after = snapshot(tmp_path)
    for path in (
        ".claude/skills/speckit-tasks/SKILL.md",
        ".claude/skills/speckit-taskstoissues/SKILL.md",
        ".specify/templates/plan-template.md",
        ".specify/memory/constitution.md",
        ".specify/scripts/bash/common.sh",
        "specs/001-photo-albums/spec.md",
    ):
        assert after[path] == before[path], path
    assert b"specify tasks next" in after[".claude/skills/speckit-implement/SKILL.md"]


def test_speckit_edits_survive_rerun(specify, tmp_path: Path) -> None:
    build_speckit_project(tmp_path)
    specify("init", "--here", "--agent", "claude", "--no-git", cwd=tmp_path)
    before = snapshot(tmp_path)
    run = specify("init", "--here", "--agent", "claude", "--no-git", "--json", cwd=tmp_path)
    assert snapshot(tmp_path) == before
    assert run.statuses()[".claude/skills/speckit-tasks/SKILL.md"] == "kept"
    assert run.statuses()[".claude/skills/speckit-plan/SKILL.md"] == "unchanged"


def test_speckit_commands_mark_project(specify, tmp_path: Path) -> None:
    (tmp_path / ".claude/commands").mkdir(parents=True)
    (tmp_path / ".claude/commands/speckit.plan.md").write_text("old spec-kit command\n")
    run = specify("init", "--here", "--agent", "claude", "--no-git", "--json", cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert run.json()["kind"] == "spec-kit"
    assert (tmp_path / ".claude/commands/speckit.plan.md").read_text() == "old spec-kit command\n"


def test_broken_settings_kept_with_reason(specify, user_folder: Path) -> None:
    broken = '{\n  "editor.fontSize": 13\n  "missing.comma": true\n}\n'
    (user_folder / ".vscode/settings.json").write_text(broken)
    run = specify("init", "--here", *AGENTS, "--commands", "--force", "--no-git", "--json", cwd=user_folder)
    assert run.exit_code == 0, run.stderr
    [entry] = [e for e in run.json()["files"] if e["path"] == ".vscode/settings.json"]
    assert entry["status"] == "kept"
    assert "line 3" in entry["reason"]
    assert (user_folder / ".vscode/settings.json").read_text() == broken


def test_broken_settings_reported_once(user_folder: Path) -> None:
    (user_folder / ".vscode/settings.json").write_text('{\n  "a": 1\n  "b": 2\n}\n')
    result = subprocess.run(
        [sys.executable, "-m", "specify", "init", "--here", "--agent", "copilot", "--commands", "--force", "--no-git"],
        cwd=user_folder,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(".vscode/settings.json") == 1
    assert "WARNING" not in result.stderr
