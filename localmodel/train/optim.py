"""AdamW with weight decay on matrices only, and the WSD and cosine learning-rate schedules."""

from __future__ import annotations

import math

import torch
from torch import nn

from localmodel.train.recipe import TrainConfig


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Split parameters: decay for 2-D projection matrices, none for embeddings and norms."""
    decay, no_decay = [], []
    seen: set[int] = set()
    for name, param in model.named_parameters():
        if not param.requires_grad or id(param) in seen:
            continue
        seen.add(id(param))
        is_embedding = "embed_tokens" in name or name.endswith("lm_head.weight")
        (decay if param.ndim >= 2 and not is_embedding else no_decay).append(param)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]


def build_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.AdamW:
    fused = next(model.parameters()).is_cuda
    return torch.optim.AdamW(
        param_groups(model, cfg.weight_decay), lr=cfg.lr, betas=(cfg.beta1, cfg.beta2),
        eps=cfg.eps, fused=fused or None,
    )


def lr_factor(step: int, cfg: TrainConfig) -> float:
    """Return the learning-rate multiplier for optimizer step ``step`` (0-based).

    WSD: linear warmup, constant, then linear decay to ``min_lr_ratio`` over the last
    ``decay_fraction`` of ``max_steps``. Cosine: warmup, then a half cosine to the floor.
    """
    if cfg.warmup_steps and step < cfg.warmup_steps:
        return (step + 1) / cfg.warmup_steps
    floor = cfg.min_lr_ratio
    if cfg.schedule == "cosine":
        span = max(1, cfg.max_steps - cfg.warmup_steps)
        progress = min(1.0, (step - cfg.warmup_steps) / span)
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
    decay_steps = max(1, round(cfg.max_steps * cfg.decay_fraction))
    decay_start = cfg.max_steps - decay_steps
    if step < decay_start:
        return 1.0
    progress = min(1.0, (step - decay_start + 1) / decay_steps)
    return 1.0 - (1.0 - floor) * progress
