"""`specify init` creates a repository with a first commit, or leaves an existing one alone."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from specify.initialise.git import FALLBACK_EMAIL, FALLBACK_NAME


def test_new_repository_gets_commit(specify, tmp_path: Path) -> None:
    run = specify("init", str(tmp_path / "p"), "--agent", "claude", "--json")
    assert run.exit_code == 0, run.stderr
    repo = git.Repo(tmp_path / "p")
    commit = repo.head.commit
    assert run.json()["git"] == {
        "repository": "created",
        "commit": commit.hexsha,
        "identity": "configured",
    }
    committed = {item.path for item in commit.tree.traverse() if item.type == "blob"}
    assert committed == set(run.statuses())
    assert not repo.is_dirty(untracked_files=True)


def test_fallback_identity_without_config(specify, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var, raising=False)
    run = specify("init", str(tmp_path / "p"), "--agent", "claude", "--json")
    assert run.exit_code == 0, run.stderr
    repo = git.Repo(tmp_path / "p")
    assert run.json()["git"]["identity"] == "fallback"
    assert repo.head.commit.author.name == FALLBACK_NAME
    assert repo.head.commit.committer.email == FALLBACK_EMAIL
    assert not repo.config_reader("repository").has_section("user")


def test_existing_repository_gets_nothing(specify, tmp_path: Path) -> None:
    repo = git.Repo.init(tmp_path)
    run = specify("init", str(tmp_path / "sub"), "--agent", "claude", "--json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["git"]["repository"] == "existing"
    assert not (tmp_path / "sub/.git").exists()
    assert not repo.head.is_valid()
    assert not repo.index.entries


def test_rerun_commits_nothing_new(specify, tmp_path: Path) -> None:
    specify("init", str(tmp_path), "--agent", "claude")
    first = git.Repo(tmp_path).head.commit.hexsha
    run = specify("init", str(tmp_path), "--agent", "gemini", "--json")
    assert run.json()["git"]["repository"] == "existing"
    assert git.Repo(tmp_path).head.commit.hexsha == first


def test_no_git_flag_skips_repository(specify, tmp_path: Path) -> None:
    run = specify("init", str(tmp_path / "p"), "--agent", "claude", "--no-git", "--json")
    assert run.json()["git"] == {"repository": "skipped", "commit": None, "identity": None}
    assert not (tmp_path / "p/.git").exists()


def test_git_after_no_git_commits_managed(specify, tmp_path: Path) -> None:
    target = tmp_path / "p"
    specify("init", str(target), "--agent", "claude", "--no-git")
    (target / "notes.txt").write_text("mine\n")
    run = specify("init", str(target), "--agent", "claude", "--json")
    assert run.exit_code == 0, run.stderr
    repo = git.Repo(target)
    committed = {item.path for item in repo.head.commit.tree.traverse() if item.type == "blob"}
    assert ".claude/skills/speckit-plan/SKILL.md" in committed
    assert "notes.txt" not in committed
    assert run.json()["git"]["commit"] == repo.head.commit.hexsha
    assert repo.untracked_files == ["notes.txt"]
