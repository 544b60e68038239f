"""DDP and FSDP2 under torchrun with gloo on CPU, two processes, against one process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.localmodel.pipeline_fixtures import Pipeline, pipeline, read_jsonl  # noqa: F401

torch = pytest.importorskip("torch")
if not torch.distributed.is_available():
    pytest.skip("this torch build has no torch.distributed", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
TORCHRUN = shutil.which("torchrun") or str(Path(sys.executable).parent / "torchrun")
pytestmark = pytest.mark.timeout(240)


def _torchrun(*args: str) -> None:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    command = [TORCHRUN, "--standalone", "--nproc_per_node=2", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=200)
    assert done.returncode == 0, done.stderr[-3000:]


def _max_diff(a: dict, b: dict) -> float:
    assert sorted(a) == sorted(b)
    return max((a[k] - b[k]).abs().max().item() for k in a)


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("single") / "single.pt"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "tests.localmodel.dist_worker", "steps", "--out",
                    str(out)], cwd=ROOT, env=env, check=True, timeout=120)
    return torch.load(out)


@pytest.mark.parametrize("parallel", ["ddp", "fsdp"])
def test_two_processes_match_one(parallel: str, single: dict, tmp_path: Path) -> None:
    out = tmp_path / f"{parallel}.pt"
    _torchrun("-m", "tests.localmodel.dist_worker", "steps", "--parallel", parallel,
              "--out", str(out))
    assert _max_diff(torch.load(out), single) < 1e-4


def _halves_equal(path: Path) -> bool:
    weight = torch.load(path)["model.layers.0.mlp.up_proj.weight"]  # sharded on dim 0
    half = weight.shape[0] // 2
    return torch.equal(weight[:half], weight[half:])


def test_sharded_init_differs_per_rank(tmp_path: Path) -> None:
    _torchrun("-m", "tests.localmodel.dist_worker", "init", "--out", str(tmp_path))
    assert not _halves_equal(tmp_path / "per_rank.pt")
    # The same check catches the bug it guards against: one seed on every shard.
    assert _halves_equal(tmp_path / "same_seed.pt")


def test_training_script_under_torchrun(pipeline: Pipeline, tmp_path: Path) -> None:  # noqa: F811
    recipe = tmp_path / "recipe.toml"
    corpus = pipeline.corpus
    recipe.write_text(f"""
name = "dist"
seed = 5
[model]
preset = "cpu-tiny"
vocab_size = 512
hidden_size = 64
ffn_size = 128
[data]
seq_len = 64
vocab_size = 512
val_fraction = 0.1
[[data.sources]]
name = "code"
path = "{corpus / 'code'}"
[[data.sources]]
name = "prose"
path = "{corpus / 'prose'}"
[train]
max_steps = 4
global_batch = 8
micro_batch = 2
warmup_steps = 1
eval_every = 4
eval_windows = 2
checkpoint_every = 2
parallel = "fsdp"
""")
    common = ["-m", "localmodel.train.pretrain", "--recipe", str(recipe),
              "--tokenizer", str(pipeline.tokenizer), "--data", str(pipeline.data)]
    resumed, straight = tmp_path / "resumed", tmp_path / "straight"
    _torchrun(*common, "--out", str(resumed), "--stop-at", "2")
    _torchrun(*common, "--out", str(resumed))
    _torchrun(*common, "--out", str(straight))

    def losses(run: Path) -> list[float]:
        return [r["loss"] for r in read_jsonl(run / "metrics.jsonl") if r["kind"] == "train"]

    assert len(losses(resumed)) == 4
    assert losses(resumed) == pytest.approx(losses(straight), abs=1e-5)
    rng_files = (resumed / "checkpoints" / "step_0000004").glob("rng_*")
    assert sorted(p.name for p in rng_files) == ["rng_rank0.pt", "rng_rank1.pt"]
