from __future__ import annotations

import json
from pathlib import Path

import pytest

from specify.errors import FeatureNotFoundError, ProjectNotFoundError
from specify.project import find_root, resolve_feature


def make_project(root: Path) -> Path:
    (root / ".specify" / "memory").mkdir(parents=True)
    return root


def test_root_found_from_subfolder(tmp_path: Path) -> None:
    make_project(tmp_path)
    nested = tmp_path / "src" / "pkg"
    nested.mkdir(parents=True)
    resolved = find_root(nested)
    assert resolved.path == tmp_path.resolve()


def test_catalog_only_dir_not_project(tmp_path: Path) -> None:
    (tmp_path / ".specify" / "catalogs").mkdir(parents=True)
    with pytest.raises(ProjectNotFoundError, match="specify init"):
        find_root(tmp_path)


def test_init_dir_env_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_project(tmp_path / "a")
    other = tmp_path / "b"
    other.mkdir()
    monkeypatch.setenv("SPECIFY_INIT_DIR", str(other))
    resolved = find_root(tmp_path / "a")
    assert resolved.path == other.resolve()
    assert resolved.rule == "SPECIFY_INIT_DIR"


@pytest.fixture
def features(tmp_path: Path) -> Path:
    make_project(tmp_path)
    for name in ("001-login", "002-search", "010-export"):
        (tmp_path / "specs" / name).mkdir(parents=True)
    return tmp_path


def test_feature_flag_by_number(features: Path) -> None:
    resolved = resolve_feature(features, "002")
    assert resolved.path.name == "002-search"
    assert resolved.rule == "--feature"


def test_feature_env_beats_json(features: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (features / ".specify" / "feature.json").write_text(json.dumps({"feature_directory": "specs/001-login"}))
    monkeypatch.setenv("SPECIFY_FEATURE", "010-export")
    assert resolve_feature(features).path.name == "010-export"


def test_feature_json_used(features: Path) -> None:
    (features / ".specify" / "feature.json").write_text(json.dumps({"feature_directory": "specs/001-login"}))
    resolved = resolve_feature(features)
    assert resolved.path.name == "001-login"
    assert resolved.rule.endswith("feature.json")


def test_feature_from_branch(features: Path) -> None:
    (features / ".git").mkdir()
    (features / ".git" / "HEAD").write_text("ref: refs/heads/002-search\n")
    resolved = resolve_feature(features)
    assert resolved.path.name == "002-search"
    assert resolved.rule == "git branch"


def test_unknown_feature_lists_known(features: Path) -> None:
    with pytest.raises(FeatureNotFoundError, match="001-login"):
        resolve_feature(features, "099")


def test_broken_feature_json_named(features: Path) -> None:
    (features / ".specify" / "feature.json").write_text("{oops")
    with pytest.raises(FeatureNotFoundError, match="feature.json"):
        resolve_feature(features)


@pytest.mark.parametrize("value", [".", "./", "specs", ".specify", ".specify/memory", " "])
def test_project_folders_not_features(features: Path, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(features)
    with pytest.raises(FeatureNotFoundError):
        resolve_feature(features, value)


def test_feature_path_still_accepted(features: Path) -> None:
    resolved = resolve_feature(features, "specs/010-export")
    assert resolved.path.name == "010-export"


def test_legacy_feature_path_accepted(features: Path) -> None:
    legacy = features / ".specify" / "specs" / "003-old"
    legacy.mkdir(parents=True)
    assert resolve_feature(features, ".specify/specs/003-old").path == legacy.resolve()


def test_dot_inside_feature_folder(features: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(features / "specs" / "002-search")
    assert resolve_feature(features, ".").path.name == "002-search"


def test_stale_feature_json_hint(features: Path) -> None:
    (features / ".specify" / "feature.json").write_text(json.dumps({"feature_directory": "specs/999-gone"}))
    with pytest.raises(FeatureNotFoundError, match="specify feature use NNN"):
        resolve_feature(features)


def test_stale_env_hint(features: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECIFY_FEATURE", "999-gone")
    with pytest.raises(FeatureNotFoundError, match="unset SPECIFY_FEATURE"):
        resolve_feature(features)
