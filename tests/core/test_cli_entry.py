from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specify import __version__
from specify.cli.main import app

HEAVY_MODULES = ("torch", "llama_cpp", "anthropic", "openai", "textual", "transformers", "tokenizers")

PROBE = """
import json, sys
sys.argv = ["specify", *json.loads(sys.argv[1])]
from specify.cli.main import run
try:
    run()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)), file=sys.stderr)
"""


def loaded_heavy_modules(args: list[str]) -> list[str]:
    script = PROBE.format(heavy=repr(HEAVY_MODULES))
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(args)], capture_output=True, text=True, check=True
    )
    return json.loads(result.stderr.strip().splitlines()[-1])


def test_help_imports_no_heavy_module() -> None:
    assert loaded_heavy_modules(["--help"]) == []


def test_group_help_imports_no_heavy_module() -> None:
    groups = [name for name in app.registered_groups]
    for group in groups:
        assert loaded_heavy_modules([group.name, "--help"]) == [], group.name


def test_version_flag() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_project_error_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "specify", "root"], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: No specify project")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_debug_shows_traceback(tmp_path: Path) -> None:
    env = {"SPECIFY_DEBUG": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "specify", "root"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert "Traceback" in result.stderr


def test_root_json_shape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".specify" / "memory").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["root", "--json"])
    data = json.loads(result.stdout)
    assert data["root"] == str(tmp_path.resolve())
    assert data["rule"] == "nearest .specify/ upward"


def test_config_set_then_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".specify" / "memory").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["config", "set", "model.backend", "openai"]).exit_code == 0
    shown = json.loads(runner.invoke(app, ["config", "show", "--json"]).stdout)
    row = next(r for r in shown["settings"] if r["key"] == "model.backend")
    assert row["value"] == "openai"
    assert row["source"].startswith("project config")


def test_config_show_masks_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    runner.invoke(app, ["config", "set", "keys.openai_api_key", "sk-secret-123", "--user"])
    result = runner.invoke(app, ["config", "show"])
    assert "sk-secret-123" not in result.output
    assert "********" in result.output


def test_resume_without_value_means_last() -> None:
    from specify.cli.main import normalise_argv

    assert normalise_argv(["run", "implement", "--resume"]) == ["run", "implement", "--resume", "last"]
    assert normalise_argv(["run", "implement", "--resume", "--yes"]) == ["run", "implement", "--resume", "last", "--yes"]
    assert normalise_argv(["run", "implement", "--resume", "abc"]) == ["run", "implement", "--resume", "abc"]


def test_config_set_negative_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".specify" / "memory").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["config", "set", "model.n_gpu_layers", "-1", "--json"])
    assert result.exit_code == 0, result.output
    assert "n_gpu_layers = -1" in (tmp_path / ".specify" / "config.toml").read_text()
