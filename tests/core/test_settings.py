from __future__ import annotations

import stat
from pathlib import Path

import pytest

from specify.errors import ConfigError
from specify.settings import load_settings, set_setting, user_config_path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".specify").mkdir()
    (tmp_path / ".specify" / "config.toml").write_text('[model]\nbackend = "openai"\n')
    return tmp_path


def test_defaults_without_files(tmp_path: Path) -> None:
    loaded = load_settings(None)
    assert loaded.settings.model.backend is None
    assert loaded.source_of("model.backend") == "default"


def test_project_file_sets_backend(project: Path) -> None:
    loaded = load_settings(project)
    assert loaded.settings.model.backend == "openai"
    assert loaded.source_of("model.backend").startswith("project config")


def test_environment_beats_project_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECIFY_BACKEND", "anthropic")
    loaded = load_settings(project)
    assert loaded.settings.model.backend == "anthropic"
    assert loaded.source_of("model.backend") == "environment"


def test_flag_beats_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECIFY_BACKEND", "anthropic")
    loaded = load_settings(project, {"model.backend": "llamacpp"})
    assert loaded.settings.model.backend == "llamacpp"
    assert loaded.source_of("model.backend") == "command-line flag"


def test_project_beats_user_file(project: Path) -> None:
    user_config_path().parent.mkdir(parents=True)
    user_config_path().write_text('[model]\nbackend = "anthropic"\nname = "m1"\n')
    loaded = load_settings(project)
    assert loaded.settings.model.backend == "openai"
    assert loaded.settings.model.name == "m1"


def test_misspelled_key_names_file(project: Path) -> None:
    (project / ".specify" / "config.toml").write_text("[model]\nbackand = 'openai'\n")
    with pytest.raises(ConfigError) as info:
        load_settings(project)
    assert "config.toml" in str(info.value)
    assert "backand" in str(info.value)


def test_invalid_toml_names_file(project: Path) -> None:
    (project / ".specify" / "config.toml").write_text("[model\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(project)


def test_secret_in_project_rejected(project: Path) -> None:
    (project / ".specify" / "config.toml").write_text("[keys]\nopenai_api_key = 'sk-x'\n")
    with pytest.raises(ConfigError, match="--user"):
        load_settings(project)


def test_set_keeps_comments(project: Path) -> None:
    config = project / ".specify" / "config.toml"
    config.write_text("# my note\n[model]\nbackend = \"openai\"\n")
    set_setting("model.name", "gpt-x", root=project, user=False)
    text = config.read_text()
    assert "# my note" in text
    assert load_settings(project).settings.model.name == "gpt-x"


def test_set_parses_typed_values(project: Path) -> None:
    set_setting("budget.max_turns", "12", root=project, user=False)
    assert load_settings(project).settings.budget.max_turns == 12


def test_set_rejects_bad_value(project: Path) -> None:
    config = project / ".specify" / "config.toml"
    before = config.read_bytes()
    with pytest.raises(ConfigError):
        set_setting("budget.max_turns", "many", root=project, user=False)
    assert config.read_bytes() == before


def test_secret_goes_to_user_file(project: Path) -> None:
    with pytest.raises(ConfigError, match="--user"):
        set_setting("keys.openai_api_key", "sk-1", root=project, user=False)
    path = set_setting("keys.openai_api_key", "sk-1", root=project, user=True)
    assert path == user_config_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_config_folder_names_file(project: Path) -> None:
    config = project / ".specify" / "config.toml"
    config.unlink()
    config.mkdir()
    with pytest.raises(ConfigError, match="config.toml"):
        load_settings(project)
