"""Resuming a stage, and the data command through Typer and the console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specify.cli.main import app
from tests.posttrain.pipeline import make_base, make_data, stage_recipe


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("small")
    data = make_data(root, seed=4)
    return data, make_base(root, data, seed=4)


def _weights(run: Path) -> dict:
    from localmodel.train.checkpoint import load_for_export

    return load_for_export(run)[1]


def _sft(data: Path, steps: int):  # noqa: ANN202
    return stage_recipe("sft", data, 4, train={"max_steps": steps, "checkpoint_every": 2})


def test_resumed_sft_matches_uninterrupted(small: tuple[Path, Path], tmp_path: Path) -> None:
    import torch

    from localmodel.posttrain.run import run_stage

    data, base = small
    run_stage(_sft(data, 4), base, tmp_path / "whole", device="cpu", evaluate=False, export=False)
    run_stage(_sft(data, 4), base, tmp_path / "split", device="cpu", stop_at=2)
    assert (tmp_path / "split" / "checkpoints" / "step_0000002").is_dir()
    run_stage(_sft(data, 4), base, tmp_path / "split", device="cpu", evaluate=False, export=False)
    whole, split = _weights(tmp_path / "whole"), _weights(tmp_path / "split")
    assert all(torch.equal(whole[k], split[k]) for k in whole)


def test_other_recipe_in_run_rejected(small: tuple[Path, Path], tmp_path: Path) -> None:
    from localmodel.posttrain.run import run_stage
    from specify.errors import ConfigError

    data, base = small
    run_stage(_sft(data, 1), base, tmp_path / "run", device="cpu", evaluate=False, export=False)
    other = _sft(data, 1).with_changes(data={"max_len": 128})
    with pytest.raises(ConfigError, match="contains a different post-training run"):
        run_stage(other, base, tmp_path / "run", device="cpu", evaluate=False, export=False)


def test_dpo_logs_margin_and_accuracy(small: tuple[Path, Path], tmp_path: Path) -> None:
    from localmodel.posttrain.run import run_stage
    from localmodel.train.metrics import read_metrics

    data, base = small
    recipe = stage_recipe("dpo", data, 4, train={"max_steps": 2}, dpo={"loss": "apo_zero"})
    run_stage(recipe, base, tmp_path / "apo", device="cpu", evaluate=False, export=False)
    record = read_metrics(tmp_path / "apo" / "metrics.jsonl")[-1]
    assert {"loss", "reward_chosen", "reward_rejected", "margin", "accuracy"} <= set(record)
    assert (tmp_path / "apo" / "reference_logps.pt").is_file()


def test_synth_command_writes_splits(tmp_path: Path) -> None:
    args = ["model", "data", "synth", "--out", str(tmp_path / "d"), "--family", "arithmetic",
            "--family", "tool_call", "--count", "6", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    assert manifest["train"]["tool_call/no_think"] + manifest["heldout"].get("tool_call/no_think", 0) == 6
    assert (tmp_path / "d" / "heldout.jsonl").is_file()


def test_synth_unknown_family_is_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["model", "data", "synth", "--out", str(tmp_path / "d"),
                                      "--family", "poetry"])
    assert result.exit_code == 2
    assert "Unknown task family poetry" in result.output


def test_console_script_reports_existing_out(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("specify")
    command = [str(script), "model", "data", "synth", "--out", str(tmp_path / "d"),
               "--family", "json", "--count", "2"]
    subprocess.run(command, check=True, capture_output=True, text=True)
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.returncode != 0
    assert again.stderr.startswith("error: ")
    assert "already exists" in again.stderr


def test_sft_runs_under_torchrun(small: tuple[Path, Path], tmp_path: Path) -> None:
    data, base = small
    recipe = tmp_path / "sft.toml"
    recipe.write_text(
        'name = "ddp"\nstage = "sft"\nseed = 1\n'
        f'[data]\ntrain = ["{data / "train.jsonl"}"]\nmax_len = 256\n'
        "[train]\nmax_steps = 2\nglobal_batch = 8\nmicro_batch = 4\ncheckpoint_every = 2\n")
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
               "-m", "localmodel.posttrain.run", "sft", "--base", str(base), "--out",
               str(tmp_path / "run"), "--recipe", str(recipe), "--device", "cpu"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    state = json.loads((tmp_path / "run" / "checkpoints" / "step_0000002" / "state.json").read_text())
    assert state["world"] == 2
    assert (tmp_path / "run" / "model.gguf").is_file()
