"""Checkpoints that resume to the same loss curve.

A checkpoint folder ``checkpoints/step_NNNNNNN`` contains the full model and optimizer state
(``model.pt``, ``optim.pt``, written by rank 0), ``state.json`` (step and every rank's
loader position) and ``rng_rank{R}.pt`` per rank. ``checkpoints/LATEST`` names the newest
folder and is written last, so a crash mid-save leaves the previous checkpoint current.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

from localmodel.config import ModelConfig
from localmodel.train.distributed import DistInfo
from specify.errors import ArtifactError
from specify.fsutil import atomic_write_bytes, atomic_write_text

CONFIG_FILE = "config.json"  # ModelConfig, beside every run
TOKENIZER_FILE = "tokenizer.json"
LATEST_FILE = "LATEST"


def checkpoint_dir(run_dir: Path, step: int) -> Path:
    return run_dir / "checkpoints" / f"step_{step:07d}"


def save_checkpoint(run_dir: Path, step: int, model: nn.Module, optimizer: torch.optim.Optimizer,
                    loader_state: dict[str, Any], info: DistInfo) -> Path:
    """Save on all ranks (the state-dict gathers are collective); rank 0 writes shared files."""
    import torch.distributed as dist
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_state_dict

    options = StateDictOptions(full_state_dict=True, cpu_offload=True)
    model_state, optim_state = get_state_dict(model, optimizer, options=options)
    loaders = [loader_state]
    if info.distributed:
        loaders = [None] * info.world
        dist.all_gather_object(loaders, loader_state)
    folder = checkpoint_dir(run_dir, step)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(folder / f"rng_rank{info.rank}.pt", _torch_bytes(_rng_state()))
    if info.distributed:
        dist.barrier()
    if info.is_main:
        atomic_write_bytes(folder / "model.pt", _torch_bytes(model_state))
        atomic_write_bytes(folder / "optim.pt", _torch_bytes(optim_state))
        state = {"step": step, "world": info.world, "loaders": loaders}
        atomic_write_text(folder / "state.json", json.dumps(state, indent=1) + "\n")
        atomic_write_text(run_dir / "checkpoints" / LATEST_FILE, folder.name + "\n")
    if info.distributed:
        dist.barrier()
    return folder


def latest_checkpoint(run_dir: Path) -> Path | None:
    marker = run_dir / "checkpoints" / LATEST_FILE
    if not marker.is_file():
        return None
    return run_dir / "checkpoints" / marker.read_text(encoding="utf-8").strip()


def load_checkpoint(folder: Path, model: nn.Module, optimizer: torch.optim.Optimizer,
                    info: DistInfo) -> dict[str, Any]:
    """Restore model, optimizer and this rank's RNG state; return ``state.json``."""
    from torch.distributed.checkpoint.state_dict import StateDictOptions, set_state_dict

    state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    if state["world"] != info.world:
        raise ArtifactError(f"Checkpoint {folder} was written by {state['world']} processes, "
                            f"but this run has {info.world}.",
                            "Resume with the same number of processes.")
    model_state = torch.load(folder / "model.pt", map_location="cpu", weights_only=True)
    optim_state = torch.load(folder / "optim.pt", map_location="cpu", weights_only=True)
    set_state_dict(model, optimizer, model_state_dict=model_state, optim_state_dict=optim_state,
                   options=StateDictOptions(full_state_dict=True))
    rng = torch.load(folder / f"rng_rank{info.rank}.pt", weights_only=False)
    torch.set_rng_state(rng["cpu"])
    if rng.get("cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state(rng["cuda"])
    return state


def load_for_export(run_dir: Path) -> tuple[ModelConfig, dict[str, torch.Tensor], Path]:
    """Return the config, the newest checkpoint's weights (SmolLM3 names) and the tokenizer."""
    folder = latest_checkpoint(run_dir)
    if folder is None or not (folder / "model.pt").is_file():
        raise ArtifactError(f"Run {run_dir} has no checkpoint.",
                            "Train it first: specify model train --out RUN_DIR")
    config = ModelConfig.load(run_dir / CONFIG_FILE)
    state = torch.load(folder / "model.pt", map_location="cpu", weights_only=True)
    if config.tie_embeddings:
        state["lm_head.weight"] = state["model.embed_tokens.weight"]
    tokenizer = run_dir / TOKENIZER_FILE
    if not tokenizer.is_file():
        raise ArtifactError(f"Run {run_dir} has no {TOKENIZER_FILE}.")
    return config, state, tokenizer


def _rng_state() -> dict[str, Any]:
    cuda = torch.cuda.get_rng_state() if torch.cuda.is_available() else None
    return {"cpu": torch.get_rng_state(), "cuda": cuda}


def _torch_bytes(obj: Any) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()
