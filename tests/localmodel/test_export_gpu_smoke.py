"""The GPU smoke script: its full path on CPU with a tiny preset, and on CUDA where present."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "localmodel" / "scripts" / "gpu_smoke.sh"


def run_smoke(out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    # One thread each: on a shared two-core machine this halved the CPU run's wall time.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "OMP_NUM_THREADS": "1"}
    return subprocess.run(["bash", str(SCRIPT), str(out), *options], capture_output=True,
                          text=True, env=env, timeout=540, cwd=ROOT)


def test_smoke_runs_on_cpu(tmp_path: Path) -> None:
    result = run_smoke(tmp_path, "--device", "cpu", "--preset", "cpu-tiny", "--max-steps", "2",
                       "--skip-steps", "1", "--max-docs", "20")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["train"]["steps"] == 2
    assert summary["train"]["tokens_per_s"] > 0
    assert summary["load_back"]["ok"] is True
    assert Path(summary["export"]["gguf_f16"]).is_file()
    assert (tmp_path / "hf" / "config.json").is_file()


def test_cuda_request_without_gpu(tmp_path: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present, so the script would train on it")
    from localmodel.scripts.gpu_smoke import main

    assert main(["--out", str(tmp_path), "--device", "cuda"]) == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not torch.cuda.is_available(),
                    reason="needs a CUDA GPU; run localmodel/scripts/gpu_smoke.sh there")
def test_smoke_trains_on_gpu(tmp_path: Path) -> None:
    result = run_smoke(tmp_path, "--max-steps", "30")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["train"]["mfu"] is not None
    assert summary["load_back"]["ok"] is True
