"""`specify model export` through Typer's runner and the installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

torch = pytest.importorskip("torch")
gguf = pytest.importorskip("gguf")

from localmodel.config import ModelConfig  # noqa: E402
from specify.cli.main import app  # noqa: E402
from tests.helpers.tiny_gguf import TinyModel  # noqa: E402

SPECIFY = shutil.which("specify") or str(Path(sys.executable).parent / "specify")


def make_run_folder(tiny_model: TinyModel, path: Path, config: ModelConfig) -> Path:
    """Write a run folder as the trainer lays it out: config, tokenizer, newest checkpoint."""
    from localmodel.model import build_model

    step = path / "checkpoints" / "step_0000001"
    step.mkdir(parents=True)
    config.save(path / "config.json")
    shutil.copyfile(tiny_model.tokenizer, path / "tokenizer.json")
    torch.save(build_model(config).state_dict(), step / "model.pt")
    (path / "checkpoints" / "LATEST").write_text("step_0000001\n")
    return path


def test_export_json_lists_files(tiny_model: TinyModel, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [
        "model", "export", str(tiny_model.hf_folder), "--gguf", str(tmp_path / "m.gguf"),
        "--hf", str(tmp_path / "hf"), "--dtype", "f16", "--json",
    ])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["gguf"]["files"] == [str(tmp_path / "m.gguf")]
    assert data["gguf"]["dtype"] == "f16"
    assert "model.safetensors" in data["hf"]["files"]


def test_export_run_folder(tiny_model: TinyModel, tmp_path: Path) -> None:
    run = make_run_folder(tiny_model, tmp_path / "run", tiny_model.config)
    result = CliRunner().invoke(app, ["model", "export", str(run), "--gguf",
                                      str(tmp_path / "run.gguf")])
    assert result.exit_code == 0, result.output
    fields = gguf.GGUFReader(tmp_path / "run.gguf").fields
    assert fields["general.name"].contents() == "run"


def test_split_size_from_cli(tiny_model: TinyModel, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [
        "model", "export", str(tiny_model.hf_folder), "--gguf", str(tmp_path / "s.gguf"),
        "--split-max-size", "60K", "--json",
    ])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["gguf"]["files"]) > 1


def test_qk_norm_run_rejected(tiny_model: TinyModel, tmp_path: Path) -> None:
    run = make_run_folder(tiny_model, tmp_path / "run", tiny_model.config.replace(qk_norm=True))
    result = subprocess.run(
        [SPECIFY, "model", "export", str(run), "--gguf", str(tmp_path / "qk.gguf")],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: This model uses QK-norm")
    assert "qk_norm = false" in result.stderr
    assert not (tmp_path / "qk.gguf").exists()


def test_existing_output_exits_nonzero(tiny_model: TinyModel, tmp_path: Path) -> None:
    target = tmp_path / "m.gguf"
    target.write_text("keep me")
    result = subprocess.run(
        [SPECIFY, "model", "export", str(tiny_model.hf_folder), "--gguf", str(target)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1
    assert f"error: {target} already exists" in result.stderr
    assert target.read_text() == "keep me"


def test_no_output_is_usage_error(tiny_model: TinyModel) -> None:
    result = CliRunner().invoke(app, ["model", "export", str(tiny_model.hf_folder)])
    assert result.exit_code == 2
    assert "neither --gguf nor --hf" in result.stderr


def test_export_help_stays_light() -> None:
    code = (
        "import sys\n"
        "from specify.cli.main import app\n"
        "try:\n"
        "    app(['model', 'export', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = {'torch', 'llama_cpp', 'gguf', 'transformers', 'tokenizers'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "[]"
