from __future__ import annotations

import re
from pathlib import Path

from specify.features.numbering import choose_sequential, number_of
from tests.features.conftest import Cli, git, init_repo, make_project


def make_specs(root: Path, *names: str) -> None:
    for name in names:
        (root / "specs" / name).mkdir(parents=True)


def test_next_number_counts_branches(tmp_path: Path, cli: Cli) -> None:
    root = make_project(init_repo(tmp_path / "repo"))
    git(root, "branch", "001-login")
    git(root, "branch", "003-search")
    make_specs(root, "001-login", "002-export")
    data = cli.json(root, "feature", "new", "Reports", "--dry-run")
    assert data["FEATURE_NUM"] == "004"


def test_taken_number_bumped_with_warning(tmp_path: Path, cli: Cli) -> None:
    root = make_project(tmp_path)
    make_specs(root, "001-login", "002-export")
    result = cli(root, "feature", "new", "Reports", "--number", "2", "--no-branch", "--json")
    assert result.exit_code == 0
    assert '"FEATURE_NUM": "003"' in result.stdout
    assert "002 is already used" in result.stderr


def test_free_number_kept(tmp_path: Path, cli: Cli) -> None:
    root = make_project(tmp_path)
    make_specs(root, "001-login")
    data = cli.json(root, "feature", "new", "Reports", "--number", "0", "--dry-run")
    assert data["FEATURE_NUM"] == "000"


def test_remote_tracking_branches_counted(tmp_path: Path, cli: Cli) -> None:
    seed = init_repo(tmp_path / "seed")
    git(seed, "branch", "007-remote-only")
    bare = tmp_path / "shared.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(bare))
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(bare), str(clone))
    root = make_project(clone)
    assert "origin/007-remote-only" in git(clone, "branch", "-r")
    data = cli.json(root, "feature", "new", "Next one", "--dry-run")
    assert data["FEATURE_NUM"] == "008"


def test_legacy_specs_folder_counted(tmp_path: Path, cli: Cli) -> None:
    root = make_project(tmp_path)
    (root / ".specify" / "specs" / "024-old-layout").mkdir(parents=True)
    data = cli.json(root, "feature", "new", "Next one", "--dry-run")
    assert data["FEATURE_NUM"] == "025"


def test_timestamp_and_wide_numbers(tmp_path: Path, cli: Cli) -> None:
    root = make_project(tmp_path)
    make_specs(root, "20250101-120000-stamped", "1000-wide")
    data = cli.json(root, "feature", "new", "Next one", "--dry-run")
    assert data["FEATURE_NUM"] == "1001"


def test_timestamp_numbering_ignores_number(tmp_path: Path, cli: Cli) -> None:
    root = make_project(tmp_path)
    result = cli(root, "feature", "new", "Stamped", "--timestamp", "--number", "5", "--dry-run", "--json")
    assert result.exit_code == 0
    assert re.search(r'"FEATURE_NUM": "\d{8}-\d{6}"', result.stdout)
    assert "--number 5 is ignored" in result.stderr


def test_timestamp_from_settings(tmp_path: Path, cli: Cli) -> None:
    root = make_project(tmp_path)
    (root / ".specify" / "config.toml").write_text('[features]\nnumbering = "timestamp"\n', encoding="utf-8")
    data = cli.json(root, "feature", "new", "Stamped", "--dry-run")
    assert data["numbering"] == "timestamp"


def test_number_of_reads_last_segment() -> None:
    assert number_of("feat/012-x") == 12
    assert number_of("20250101-120000-x") is None
    assert number_of("12-short") is None


def test_choose_skips_every_taken_number() -> None:
    choice = choose_sequential({1, 2, 3, 7}, 2)
    assert choice.number == "004"
    assert choice.warnings


def test_prefixed_branches_counted(tmp_path: Path, cli: Cli) -> None:
    root = make_project(init_repo(tmp_path / "repo"))
    config = '[features]\nbranch_template = "feat/{number}-{slug}"\n'
    (root / ".specify" / "config.toml").write_text(config, encoding="utf-8")
    first = cli.json(root, "feature", "new", "Login page")
    assert first["BRANCH_NAME"] == "feat/001-login-page"
    assert git(root, "branch", "--show-current") == "feat/001-login-page"
    (root / "specs" / "001-login-page" / "spec.md").unlink()
    (root / "specs" / "001-login-page").rmdir()
    second = cli.json(root, "feature", "new", "Search", "--dry-run")
    assert second["FEATURE_NUM"] == "002"
