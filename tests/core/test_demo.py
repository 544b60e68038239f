from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from specify.stages.backend import EMBEDDED_MODEL


def test_demo_without_model(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = subprocess.run([sys.executable, "-m", "specify", "demo", "--dir", str(target), "--no-model"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "$ specify tasks next" in result.stdout
    assert "T001" in result.stdout.split("$ specify tasks next")[1]
    assert "0 error(s)" in result.stdout


def test_demo_refuses_non_empty_dir(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = subprocess.run([sys.executable, "-m", "specify", "demo", "--dir", str(tmp_path), "--no-model"],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "not empty" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_demo_unknown_agent_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = subprocess.run([sys.executable, "-m", "specify", "demo", "--dir", str(target), "--no-model",
                             "--agent", "bogus"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Unknown agent 'bogus'" in result.stderr
    assert not target.exists()


def test_demo_dir_is_file(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    result = subprocess.run([sys.executable, "-m", "specify", "demo", "--dir", str(target), "--no-model"],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "is a file, not a folder" in result.stderr
    assert target.read_text() == "mine"


def test_demo_says_model_missing(tmp_path: Path) -> None:
    if EMBEDDED_MODEL.is_file() and importlib.util.find_spec("llama_cpp") is not None:
        pytest.skip("the embedded model can run here, so the demo runs it instead of falling back")
    result = subprocess.run([sys.executable, "-m", "specify", "demo", "--dir", str(tmp_path / "demo")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "embedded model cannot run here" in result.stdout
