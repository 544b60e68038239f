"""The model shipped in the package: its file, and a rebuild of the same shape from its recipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from specify.stages.backend import EMBEDDED_MODEL

REPO = Path(__file__).resolve().parents[2]
RECIPE = REPO / "localmodel" / "recipes" / "embedded.toml"
MAX_BYTES = 20 * 1024 * 1024


def tensor_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    from gguf import GGUFReader

    reader = GGUFReader(str(path))
    return {tensor.name: tuple(int(d) for d in tensor.shape) for tensor in reader.tensors}


def architecture(path: Path) -> str:
    from gguf import GGUFReader

    field = GGUFReader(str(path)).fields["general.architecture"]
    return bytes(field.parts[field.data[0]]).decode()


def test_embedded_file_is_small() -> None:
    assert EMBEDDED_MODEL.is_file()
    assert EMBEDDED_MODEL.stat().st_size <= MAX_BYTES


def test_embedded_file_is_smollm3() -> None:
    pytest.importorskip("gguf")
    assert architecture(EMBEDDED_MODEL) == "smollm3"


def test_embedded_loads_without_torch() -> None:
    pytest.importorskip("llama_cpp")
    probe = (
        "import sys\n"
        "from runtime.providers.registry import get_provider\n"
        f"provider = get_provider('llamacpp', {str(EMBEDDED_MODEL)!r}, n_ctx=512)\n"
        "assert provider.context_window() == 512\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=REPO, capture_output=True, timeout=120)


@pytest.mark.slow
def test_recipe_rebuilds_same_shape(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("gguf")
    run = tmp_path / "run"
    gguf = tmp_path / "rebuilt.gguf"
    base = [sys.executable, "-m", "specify", "model"]
    subprocess.run([*base, "train", "--recipe", str(RECIPE), "--out", str(run), "--max-steps", "2",
                    "--device", "cpu", "--threads", "1"], check=True, capture_output=True, timeout=900)
    subprocess.run([*base, "export", str(run), "--gguf", str(gguf), "--dtype", "f32"],
                   check=True, capture_output=True, timeout=300)
    assert tensor_shapes(gguf) == tensor_shapes(EMBEDDED_MODEL)
