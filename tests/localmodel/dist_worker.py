"""Worker for the distributed tests: run under torchrun (gloo, CPU) or as one process.

Modes:
  steps     train 3 optimizer steps on fixed batches; rank r takes its slice of each global
            batch. Writes the full final parameters to OUT (rank 0).
  init      build two sharded-init FSDP2 models and write their gathered full parameters
            to OUT/per_rank.pt (seed + rank, the correct way) and OUT/same_seed.pt (one
            seed on every rank, the bug the tests must catch).
"""

from __future__ import annotations

import argparse
import dataclasses
import os

import torch

from localmodel.config import ModelConfig
from localmodel.train.distributed import create_model, init_distributed, shutdown_distributed
from localmodel.train.optim import build_optimizer
from localmodel.train.pretrain import MicroBatch, optimizer_step
from localmodel.train.recipe import TrainConfig

CONFIG = ModelConfig(vocab_size=300, hidden_size=32, n_layers=4, n_heads=4, n_kv_heads=2,
                     ffn_size=64)
GLOBAL_BATCH, SEQ = 8, 16


def full_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

    options = StateDictOptions(full_state_dict=True, cpu_offload=True)
    return get_model_state_dict(model, options=options)


def run_steps(parallel: str, out: str) -> None:
    info = init_distributed("cpu")
    cfg = TrainConfig(global_batch=GLOBAL_BATCH, micro_batch=GLOBAL_BATCH // info.world, lr=1e-2,
                      warmup_steps=0, parallel=parallel)
    model, _ = create_model(CONFIG, info, parallel, seed=7)
    optimizer = build_optimizer(model, cfg)
    data = torch.Generator().manual_seed(3)
    for _ in range(3):
        ids = torch.randint(0, CONFIG.vocab_size, (GLOBAL_BATCH, SEQ + 1), generator=data)
        doc_ids = torch.zeros(GLOBAL_BATCH, SEQ, dtype=torch.long)
        doc_ids[:, SEQ // 2:] = 1
        rows = slice(info.rank * cfg.micro_batch, (info.rank + 1) * cfg.micro_batch)
        micro = [MicroBatch(ids[rows, :-1], ids[rows, 1:], doc_ids[rows])]
        optimizer_step(model, optimizer, micro, cfg, info, cfg.lr)
    state = full_state(model)
    if info.is_main:
        torch.save(state, out)
    shutdown_distributed()


def run_init(out: str) -> None:
    info = init_distributed("cpu")
    # Seeding as if every rank were rank 0 reproduces the correlated-initialisation bug.
    variants = {"per_rank": info, "same_seed": dataclasses.replace(info, rank=0)}
    for name, seeding in variants.items():
        model, _ = create_model(CONFIG, seeding, "fsdp", seed=7, sharded_init=True)
        state = full_state(model)
        if info.is_main:
            torch.save(state, os.path.join(out, f"{name}.pt"))
    shutdown_distributed()


def main() -> None:
    torch.set_num_threads(1)
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("steps", "init"))
    parser.add_argument("--parallel", default="ddp")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.mode == "steps":
        run_steps(args.parallel, args.out)
    else:
        run_init(args.out)


if __name__ == "__main__":
    main()
