"""The pretraining loop, for ``python -m localmodel.train.pretrain`` and for torchrun.

The global batch is fixed in sequences, so one process accumulates gradients over more
micro-batches than eight do and both take the same optimizer steps. bf16 autocast is used
on CUDA only; CPU runs in float32.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from localmodel.model import causal_lm_loss
from localmodel.train.distributed import DistInfo
from localmodel.train.recipe import Recipe, TrainConfig
from specify.errors import ConfigError

logger = logging.getLogger(__name__)


@dataclass
class MicroBatch:
    inputs: torch.Tensor  # (B, T)
    labels: torch.Tensor  # (B, T), IGNORE_INDEX where not counted
    doc_ids: torch.Tensor | None  # (B, T), None without document masking


def grad_accum_steps(cfg: TrainConfig, world: int) -> int:
    per_step = cfg.micro_batch * world
    if cfg.global_batch % per_step:
        raise ConfigError(f"global_batch {cfg.global_batch} is not a multiple of micro_batch "
                          f"{cfg.micro_batch} x {world} processes.",
                          "Change global_batch, micro_batch or the process count.")
    return cfg.global_batch // per_step


def optimizer_step(model: nn.Module, optimizer: torch.optim.Optimizer, micro: list[MicroBatch],
                   cfg: TrainConfig, info: DistInfo, lr: float) -> dict[str, float]:
    """Run forward and backward on every micro-batch, clip, and step. Return loss and grad norm."""
    for group in optimizer.param_groups:
        group["lr"] = lr
    use_bf16 = info.device.type == "cuda"
    total_ce = torch.zeros((), device=info.device)
    for i, mb in enumerate(micro):
        last = i == len(micro) - 1
        # DDP all-reduces gradients only on the last micro-batch.
        skip_sync = not last and hasattr(model, "no_sync")
        sync = model.no_sync() if skip_sync else contextlib.nullcontext()
        autocast = torch.autocast("cuda", dtype=torch.bfloat16) if use_bf16 \
            else contextlib.nullcontext()
        with sync, autocast:
            doc_ids = mb.doc_ids.to(info.device) if mb.doc_ids is not None else None
            logits = model(mb.inputs.to(info.device), doc_ids=doc_ids)
            loss, ce = causal_lm_loss(logits, mb.labels.to(info.device), cfg.z_loss)
            (loss / len(micro)).backward()
        total_ce += ce.detach() / len(micro)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    if info.distributed:
        import torch.distributed as dist

        dist.all_reduce(total_ce, op=dist.ReduceOp.AVG)
    norm = grad_norm.full_tensor() if hasattr(grad_norm, "full_tensor") else grad_norm
    return {"loss": total_ce.item(), "grad_norm": float(norm)}


def train(run_dir: Path, recipe: Recipe, tokenizer: Path | None = None,
          data_dir: Path | None = None, device: str | None = None,
          progress_bar: bool = True, stop_at: int | None = None,
          threads: int | None = None) -> dict[str, Any]:
    """Train ``recipe`` into ``run_dir``, resuming from its newest checkpoint if present.

    ``stop_at`` ends the run after that step with a checkpoint, without changing the
    schedule, so a later call continues the same run. ``threads`` sets torch's CPU threads.
    """
    from localmodel.train.distributed import init_distributed

    if threads:
        torch.set_num_threads(threads)
    info = init_distributed(device)
    try:
        return _train(run_dir, recipe, info, tokenizer, data_dir, progress_bar, stop_at)
    finally:
        from localmodel.train.distributed import shutdown_distributed

        shutdown_distributed()


def _train(run_dir: Path, recipe: Recipe, info: DistInfo, tokenizer: Path | None,
           data_dir: Path | None, progress_bar: bool, stop_at: int | None) -> dict[str, Any]:
    from localmodel.train.loop import TrainingLoop

    if info.is_main:
        from localmodel.train.run import prepare_run

        prepare_run(run_dir, recipe, tokenizer, data_dir)
    if info.distributed:
        import torch.distributed as dist

        dist.barrier()
    loop = TrainingLoop(run_dir, recipe, info, progress_bar)
    return loop.run(stop_at)


def main(argv: list[str] | None = None) -> None:
    """Entry point for ``python -m`` and ``torchrun -m localmodel.train.pretrain``."""
    from localmodel.train.recipe import load_recipe, recipe_path_for_preset

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipe", type=Path)
    parser.add_argument("--preset")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--max-steps", type=int, help="total steps of the schedule")
    parser.add_argument("--stop-at", type=int, help="stop after this step (resumable)")
    parser.add_argument("--tokenizer", type=Path)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--device")
    parser.add_argument("--parallel", choices=("ddp", "fsdp"))
    parser.add_argument("--threads", type=int, help="torch CPU threads per process")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    path = args.recipe or recipe_path_for_preset(args.preset or "cpu-tiny")
    recipe = load_recipe(path)
    changes: dict[str, Any] = {}
    if args.max_steps:
        changes["max_steps"] = args.max_steps
    if args.parallel:
        changes["parallel"] = args.parallel
    recipe = recipe.with_changes(train=changes)
    summary = train(args.out, recipe, args.tokenizer, args.data, args.device,
                    stop_at=args.stop_at, threads=args.threads)
    if summary.get("rank", 0) == 0:
        logger.info("final %s", {k: v for k, v in summary.items() if not isinstance(v, list)})


if __name__ == "__main__":
    main()
