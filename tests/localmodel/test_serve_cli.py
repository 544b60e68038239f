"""`specify model serve` and `specify model chat` from the command line."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("torch")

from specify.cli.main import app  # noqa: E402
from tests.helpers.tiny_gguf import TinyModel  # noqa: E402

SPECIFY = shutil.which("specify") or str(Path(sys.executable).parent / "specify")


def read_json_object(stream) -> dict:
    """Read lines until they form one JSON object (``emit`` indents it over several lines)."""
    text = ""
    for line in stream:
        text += line
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            continue
    raise AssertionError(f"no JSON object in output: {text!r}")


def test_serve_until_interrupted(tiny_model: TinyModel) -> None:
    pytest.importorskip("llama_cpp")
    pytest.importorskip("uvicorn")
    process = subprocess.Popen(
        [SPECIFY, "model", "serve", str(tiny_model.gguf), "--port", "0", "--n-ctx", "128",
         "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        info = read_json_object(process.stdout)
        with urllib.request.urlopen(info["url"] + "/models", timeout=10) as response:
            assert response.status == 200
        assert info["url"].startswith("http://127.0.0.1:")
        assert info["offload"]["total"] == tiny_model.config.n_layers + 1
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(info["url"] + "/models", timeout=2)


def test_serve_missing_file(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    result = CliRunner().invoke(app, ["model", "serve", str(tmp_path / "none.gguf")])
    assert result.exit_code == 1
    assert "none.gguf does not exist" in result.stderr


def test_chat_on_torch_folder(tiny_model: TinyModel) -> None:
    result = CliRunner().invoke(
        app, ["model", "chat", str(tiny_model.hf_folder), "--temperature", "0",
              "--max-tokens", "4"],
        input="/think\nimport os\n/exit\n",
    )
    assert result.exit_code == 0, result.output
    assert "Chatting with torch: hf." in result.stdout
    assert "Reasoning mode: /think." in result.stdout


def test_chat_missing_model(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["model", "chat", str(tmp_path / "gone.gguf")])
    assert result.exit_code == 1
    assert "gone.gguf does not exist" in result.stderr


def test_serve_stops_on_sigterm(tiny_model: TinyModel) -> None:
    pytest.importorskip("llama_cpp")
    pytest.importorskip("uvicorn")
    process = subprocess.Popen(
        [SPECIFY, "model", "serve", str(tiny_model.gguf), "--port", "0", "--n-ctx", "128",
         "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        info = read_json_object(process.stdout)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(info["url"] + "/models", timeout=2)
