"""`specify init` never loses user work: idempotent re-runs, dry runs, kept edits."""

from __future__ import annotations

import json
import re
import socket
import tomllib
from pathlib import Path

import pytest
from init_support import snapshot

from specify.fsutil import sha256_bytes
from specify.resources import templates_dir
from specify.settings import Settings, setting_keys

SKILL = ".claude/skills/speckit-plan/SKILL.md"


def test_rerun_is_byte_identical(specify, tmp_path: Path) -> None:
    args = (
        "init",
        str(tmp_path),
        "--agent",
        "claude",
        "--agent",
        "copilot",
        "--commands",
        "--no-git",
    )
    first = specify(*args)
    before = snapshot(tmp_path)
    second = specify(*args, "--json")
    assert first.exit_code == 0, first.stderr
    assert snapshot(tmp_path) == before
    assert set(second.statuses().values()) == {"unchanged"}


def test_dry_run_writes_nothing(specify, tmp_path: Path) -> None:
    target = tmp_path / "new"
    run = specify("init", str(target), "--agent", "claude", "--dry-run", "--json")
    assert run.exit_code == 0, run.stderr
    assert not target.exists()
    assert run.json()["counts"]["created"] > 9
    assert run.json()["git"] is None


def test_dry_run_shows_diff_of_update(specify, tmp_path: Path) -> None:
    specify("init", str(tmp_path), "--agent", "claude", "--no-git")
    make_outdated(tmp_path, SKILL)
    before = snapshot(tmp_path)
    run = specify("init", str(tmp_path), "--agent", "claude", "--no-git", "--dry-run")
    assert run.exit_code == 0, run.stderr
    assert snapshot(tmp_path) == before
    assert f"--- a/{SKILL}" in run.stdout
    assert "-old rendering" in run.stdout


def make_outdated(root: Path, path: str) -> None:
    """Make ``path`` look as if an older specify wrote it: old content, matching hash."""
    (root / path).write_text("old rendering\n")
    manifest_file = root / ".specify/integrations/claude.manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["files"][path] = sha256_bytes(b"old rendering\n")
    manifest_file.write_text(json.dumps(manifest))


def test_unchanged_managed_file_updated(specify, tmp_path: Path) -> None:
    specify("init", str(tmp_path), "--agent", "claude", "--no-git")
    make_outdated(tmp_path, SKILL)
    run = specify("init", str(tmp_path), "--agent", "claude", "--no-git", "--json")
    assert run.statuses()[SKILL] == "updated"
    assert "old rendering" not in (tmp_path / SKILL).read_text()


def test_edited_managed_file_kept(specify, tmp_path: Path) -> None:
    specify("init", str(tmp_path), "--agent", "claude", "--no-git")
    (tmp_path / SKILL).write_text("my own plan prompt\n")
    for extra in ((), ("--force",)):
        run = specify("init", str(tmp_path), "--agent", "claude", "--no-git", "--json", *extra)
        assert run.statuses()[SKILL] == "kept"
    assert (tmp_path / SKILL).read_text() == "my own plan prompt\n"


def test_edited_file_stays_recorded(specify, tmp_path: Path) -> None:
    specify("init", str(tmp_path), "--agent", "claude", "--no-git")
    original = json.loads((tmp_path / ".specify/integrations/claude.manifest.json").read_text())
    (tmp_path / SKILL).write_text("my own plan prompt\n")
    specify("init", str(tmp_path), "--agent", "claude", "--no-git")
    manifest = json.loads((tmp_path / ".specify/integrations/claude.manifest.json").read_text())
    assert manifest["files"][SKILL] == original["files"][SKILL]


def test_nonempty_folder_needs_force(specify, user_folder: Path) -> None:
    before = snapshot(user_folder)
    run = specify("init", "--here", "--agent", "claude", "--no-git", cwd=user_folder)
    assert run.exit_code == 2
    assert "--force" in run.stderr
    assert snapshot(user_folder) == before


def test_constitution_created_from_template(specify, tmp_path: Path) -> None:
    specify("init", str(tmp_path), "--agent", "claude", "--no-git")
    template = templates_dir() / "artifacts" / "constitution-template.md"
    assert (tmp_path / ".specify/memory/constitution.md").read_bytes() == template.read_bytes()


def test_artifact_templates_all_copied(specify, tmp_path: Path) -> None:
    specify("init", str(tmp_path), "--agent", "claude", "--no-git")
    source = templates_dir() / "artifacts"
    names = sorted(p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file())
    folder = tmp_path / ".specify/templates"
    copied = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names
    assert copied == names


def test_config_lists_every_setting(specify, tmp_path: Path) -> None:
    specify("init", str(tmp_path), "--agent", "claude", "--no-git")
    text = (tmp_path / ".specify/config.toml").read_text()
    assert all(value == {} for value in tomllib.loads(text).values())
    examples = tomllib.loads(re.sub(r"^# (\w+ = )", r"\1", text, flags=re.MULTILINE))
    Settings.model_validate(examples)
    defaults = Settings()
    for key in setting_keys():
        section, name = key.split(".")
        if section == "keys":
            assert section not in examples, "secrets belong in the user config"
            continue
        assert name in examples[section], key
        default = getattr(getattr(defaults, section), name)
        if default is not None:
            assert examples[section][name] == default, key


def test_gitignore_keeps_state_out(specify, tmp_path: Path) -> None:
    (tmp_path / ".specify").mkdir()
    (tmp_path / ".specify/.gitignore").write_text("extensions/*/local-config.yml")
    specify("init", str(tmp_path), "--agent", "claude", "--no-git")
    lines = (tmp_path / ".specify/.gitignore").read_text().splitlines()
    assert lines == ["extensions/*/local-config.yml", "feature.json", "runs/", "*.lock"]


def test_init_makes_no_network_call(specify, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def reject(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("init opened a socket")

    monkeypatch.setattr(socket, "socket", reject)
    monkeypatch.setattr(socket, "create_connection", reject)
    monkeypatch.setattr(socket, "getaddrinfo", reject)
    run = specify("init", str(tmp_path / "p"), "--agent", "copilot", "--agent", "gemini", "--commands")
    assert run.exit_code == 0, run.stderr
    assert (tmp_path / "p/.git").is_dir()


def test_linked_folder_outside_rejected(specify, tmp_path: Path) -> None:
    outside = tmp_path / "dotfiles-claude"
    outside.mkdir()
    project = tmp_path / "p"
    project.mkdir()
    (project / ".claude").symlink_to(outside, target_is_directory=True)
    run = specify("init", str(project), "--agent", "claude", "--force", "--no-git")
    assert run.exit_code == 1
    assert "symbolic link" in run.stderr
    assert list(outside.iterdir()) == []
    assert not (project / ".specify").exists()


def test_linked_constitution_kept(specify, tmp_path: Path) -> None:
    shared = tmp_path / "shared-constitution.md"
    shared.write_text("# Our shared constitution\n")
    project = tmp_path / "p"
    (project / ".specify/memory").mkdir(parents=True)
    (project / ".specify/memory/constitution.md").symlink_to(shared)
    run = specify("init", str(project), "--agent", "claude", "--no-git", "--json")
    assert run.statuses()[".specify/memory/constitution.md"] == "kept"
    assert (project / ".specify/memory/constitution.md").is_symlink()
    assert shared.read_text() == "# Our shared constitution\n"


@pytest.mark.parametrize("blocker", [".specify", ".claude/skills"])
def test_file_where_folder_needed(specify, tmp_path: Path, blocker: str) -> None:
    (tmp_path / blocker).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / blocker).write_text("mine\n")
    result = specify("init", str(tmp_path), "--agent", "claude", "--force", "--no-git")
    assert result.exit_code == 1
    assert f"{tmp_path / blocker} is a file where specify needs a folder" in result.stderr
    assert (tmp_path / blocker).read_text() == "mine\n"


def test_dry_run_counts_say_nothing_written(specify, tmp_path: Path) -> None:
    run = specify("init", str(tmp_path / "new"), "--agent", "claude", "--dry-run")
    assert run.exit_code == 0, run.stderr
    assert "(dry run: nothing was written)" in run.stdout
