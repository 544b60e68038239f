from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from specify.errors import ConflictError
from specify.features import NewFeatureRequest, create_feature, numbering
from specify.features.slugs import MAX_NAME_BYTES
from tests.features.conftest import SPECIFY_BIN, Cli, branch_is_valid, git, init_repo, make_project, run_specify


def test_new_creates_branch_folder_spec(tmp_path: Path, cli: Cli) -> None:
    root = make_project(init_repo(tmp_path / "repo"))
    data = cli.json(root, "feature", "new", "Add user authentication with OAuth2 for the API")
    folder = root / "specs" / "001-user-authentication-oauth2-api"
    assert data["BRANCH_NAME"] == "001-user-authentication-oauth2-api"
    assert data["FEATURE_NUM"] == "001"
    assert data["FEATURE_DIR"] == str(folder)
    assert data["SPEC_FILE"] == str(folder / "spec.md")
    assert data["slug_source"] == "words"
    assert "DRY_RUN" not in data
    assert git(root, "branch", "--show-current") == "001-user-authentication-oauth2-api"


def test_spec_filled_from_template(tmp_path: Path, cli: Cli) -> None:
    root = make_project(tmp_path)
    title = 'Quote "this" and C:\\path\\here'
    data = cli.json(root, "feature", "new", title, "--no-branch")
    spec = Path(data["SPEC_FILE"]).read_text(encoding="utf-8")
    assert title in spec
    assert "## User Scenarios & Testing" in spec
    assert "[FEATURE_NAME]" not in spec
    assert "[CREATED_DATE]" not in spec


def test_feature_json_written(tmp_path: Path, cli: Cli) -> None:
    root = make_project(tmp_path)
    cli.json(root, "feature", "new", "Export reports", "--no-branch")
    stored = json.loads((root / ".specify" / "feature.json").read_text(encoding="utf-8"))
    assert stored == {"feature_directory": "specs/001-export-reports"}


def test_dry_run_writes_nothing(tmp_path: Path, cli: Cli) -> None:
    root = make_project(init_repo(tmp_path / "repo"))
    before = sorted(p.relative_to(root) for p in root.rglob("*") if ".git" not in p.parts)
    dry = cli.json(root, "feature", "new", "Search orders", "--dry-run")
    after = sorted(p.relative_to(root) for p in root.rglob("*") if ".git" not in p.parts)
    assert dry["DRY_RUN"] is True
    assert after == before
    assert git(root, "branch", "--show-current") == "main"
    real = cli.json(root, "feature", "new", "Search orders")
    assert real["BRANCH_NAME"] == dry["BRANCH_NAME"]
    assert real["SPEC_FILE"] == dry["SPEC_FILE"]


def test_no_branch_without_git(tmp_path: Path, cli: Cli) -> None:
    root = make_project(tmp_path)
    data = cli.json(root, "feature", "new", "Offline mode")
    assert data["branch_action"] == "skipped"
    assert "not inside a git repository" in data["branch_note"]
    assert Path(data["SPEC_FILE"]).is_file()


def test_setting_disables_branch(tmp_path: Path, cli: Cli) -> None:
    root = make_project(init_repo(tmp_path / "repo"))
    (root / ".specify" / "config.toml").write_text("[features]\ncreate_branch = false\n", encoding="utf-8")
    data = cli.json(root, "feature", "new", "Offline mode")
    assert data["branch_action"] == "skipped"
    assert git(root, "branch", "--show-current") == "main"


def test_repo_without_commits_gets_branch(tmp_path: Path, cli: Cli) -> None:
    root = make_project(init_repo(tmp_path / "repo", commit=False))
    data = cli.json(root, "feature", "new", "First feature ever")
    assert data["branch_action"] == "created"
    assert git(root, "symbolic-ref", "--short", "HEAD") == "001-first-feature-ever"
    assert "no commits yet" in data["branch_note"]


def test_second_unborn_branch_noted(tmp_path: Path, cli: Cli) -> None:
    root = make_project(init_repo(tmp_path / "repo", commit=False))
    cli.json(root, "feature", "new", "First feature ever")
    data = cli.json(root, "feature", "new", "Second feature")
    assert "instead of 001-first-feature-ever" in data["branch_note"]


def test_uncommitted_changes_carried_over(tmp_path: Path, cli: Cli) -> None:
    root = make_project(init_repo(tmp_path / "repo"))
    (root / "README.md").write_text("edited\n", encoding="utf-8")
    data = cli.json(root, "feature", "new", "Keep my edits")
    assert data["branch_action"] == "created"
    assert (root / "README.md").read_text(encoding="utf-8") == "edited\n"


def test_dirty_tree_blocks_switch(tmp_path: Path, cli: Cli) -> None:
    root = make_project(init_repo(tmp_path / "repo"))
    git(root, "checkout", "-q", "-b", "work/login")
    (root / "README.md").write_text("on the branch\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "branch change")
    git(root, "checkout", "-q", "main")
    (root / "README.md").write_text("uncommitted\n", encoding="utf-8")
    result = cli(root, "feature", "new", "Login", "--branch-template", "work/{slug}", "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0
    assert data["branch_action"] == "not-switched"
    assert "uncommitted changes" in result.stderr
    assert git(root, "branch", "--show-current") == "main"
    assert (root / "README.md").read_text(encoding="utf-8") == "uncommitted\n"


def test_long_name_capped_at_limit(tmp_path: Path, cli: Cli) -> None:
    root = make_project(init_repo(tmp_path / "repo"))
    long_name = "word " * 80
    result = cli(
        root,
        "feature",
        "new",
        "x",
        "--short-name",
        long_name,
        "--branch-template",
        "fonctionnalité/{number}-{slug}",
        "--json",
    )
    data = json.loads(result.stdout)
    assert result.exit_code == 0
    assert len(data["BRANCH_NAME"].encode("utf-8")) <= MAX_NAME_BYTES
    assert len(Path(data["FEATURE_DIR"]).name.encode("utf-8")) <= MAX_NAME_BYTES
    assert not data["BRANCH_NAME"].endswith("-")
    assert branch_is_valid(data["BRANCH_NAME"])
    assert "244 bytes" in result.stderr


def test_bad_branch_template_rejected(tmp_path: Path, cli: Cli) -> None:
    root = make_project(tmp_path)
    result = cli(root, "feature", "new", "Login", "--branch-template", "feat..{number}-{slug}")
    assert result.exit_code == 1
    assert "git rejects" in result.stderr
    assert not (root / "specs").exists()


def test_unknown_template_field_rejected(tmp_path: Path, cli: Cli) -> None:
    root = make_project(tmp_path)
    result = cli(root, "feature", "new", "Login", "--branch-template", "{ticket}-{slug}")
    assert result.exit_code == 1
    assert "{number}" in result.stderr


def test_blank_description_rejected(tmp_path: Path, cli: Cli) -> None:
    root = make_project(tmp_path)
    result = cli(root, "feature", "new", "   ")
    assert result.exit_code == 2
    assert not (root / "specs").exists()


def test_override_template_used(tmp_path: Path, cli: Cli) -> None:
    root = make_project(tmp_path)
    override = root / ".specify" / "templates" / "overrides" / "spec-template.md"
    override.parent.mkdir(parents=True)
    override.write_text("# Spec: [FEATURE NAME]\n\nAsked for: $ARGUMENTS\n", encoding="utf-8")
    data = cli.json(root, "feature", "new", "Dark mode", "--no-branch")
    text = Path(data["SPEC_FILE"]).read_text(encoding="utf-8")
    assert text == "# Spec: Dark mode\n\nAsked for: Dark mode\n"


def test_existing_spec_never_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(init_repo(tmp_path / "repo"))
    monkeypatch.setattr(numbering, "timestamp_number", lambda now=None: "20260101-120000")
    existing = root / "specs" / "20260101-120000-dark-mode" / "spec.md"
    existing.parent.mkdir(parents=True)
    existing.write_text("mine\n", encoding="utf-8")
    with pytest.raises(ConflictError, match="never overwritten"):
        create_feature(root, NewFeatureRequest("Dark mode", timestamp=True))
    assert existing.read_text(encoding="utf-8") == "mine\n"
    assert git(root, "branch", "--list") == "* main"


def test_subprocess_nested_project(tmp_path: Path) -> None:
    outer = init_repo(tmp_path / "outer")
    app = make_project(outer / "app")
    deep = app / "src" / "deep"
    deep.mkdir(parents=True)
    result = run_specify(deep, "feature", "new", "Nested feature", "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert Path(data["FEATURE_DIR"]).parent == (app / "specs").resolve()
    assert not (outer / "specs").exists()
    assert git(outer, "branch", "--show-current") == "001-nested-feature"


def test_subprocess_no_project_fails(tmp_path: Path) -> None:
    bare = tmp_path / "nothing"
    bare.mkdir()
    result = run_specify(bare, "feature", "new", "Anything", "--json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert str(bare.resolve()) in result.stderr
    assert "specify init" in result.stderr
    assert list(bare.iterdir()) == []


def test_titles_from_cases(tmp_path: Path, cli: Cli) -> None:
    root = make_project(init_repo(tmp_path / "repo"))
    titles = (Path(__file__).parents[1] / "fixtures" / "features" / "titles.txt").read_text(encoding="utf-8")
    for index, title in enumerate(titles.splitlines(), start=1):
        data = cli.json(root, "feature", "new", title, "--no-branch")
        assert data["FEATURE_NUM"] == f"{index:03d}"
        assert branch_is_valid(data["BRANCH_NAME"]), data["BRANCH_NAME"]
        assert title.strip() in Path(data["SPEC_FILE"]).read_text(encoding="utf-8")


def test_subprocess_cjk_title_branch(tmp_path: Path) -> None:
    root = make_project(init_repo(tmp_path / "repo"))
    result = run_specify(root, "feature", "new", "用户登录和权限管理", "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert data["slug_source"] == "transliterated"
    assert git(root, "branch", "--show-current") == data["BRANCH_NAME"]
    assert "用户登录和权限管理" in Path(data["SPEC_FILE"]).read_text(encoding="utf-8")


def test_parallel_runs_pick_distinct_numbers(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    command = [str(SPECIFY_BIN), "feature", "new", "Same title", "--no-branch", "--json"]
    processes = [subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    numbers = sorted(json.loads(process.communicate(timeout=60)[0])["FEATURE_NUM"] for process in processes)
    assert numbers == ["001", "002", "003"]


def test_specs_file_blocks_before_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(init_repo(tmp_path / "repo"))
    (root / "specs").write_text("notes\n", encoding="utf-8")
    with pytest.raises(ConflictError, match="is a file"):
        create_feature(root, NewFeatureRequest(description="Dark mode"))
    assert git(root, "branch", "--show-current") == "main"
    assert (root / "specs").read_text(encoding="utf-8") == "notes\n"
