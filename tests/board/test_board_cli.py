"""`specify board` on the command line: help, errors, and the lazy Textual import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specify.cli.main import app as cli_app


def test_board_help_lists_options():
    result = CliRunner().invoke(cli_app, ["board", "--help"])
    assert result.exit_code == 0
    assert "--feature" in result.output
    assert "--all" in result.output


def test_board_unknown_feature_fails(project: Path):
    result = CliRunner().invoke(cli_app, ["board", "--feature", "999"])
    assert result.exit_code == 1
    assert "999" in result.output


def test_board_outside_project_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli_app, ["board"])
    assert result.exit_code == 1
    assert "No specify project" in result.output


def test_console_script_reports_error(tmp_path: Path):
    script = shutil.which("specify", path=str(Path(sys.executable).parent))
    assert script is not None
    result = subprocess.run(
        [script, "board"], cwd=tmp_path, capture_output=True, text=True, env=os.environ, check=False
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: No specify project")


def test_help_does_not_import_textual():
    code = "import sys\nfrom specify.cli.main import app\nprint('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
