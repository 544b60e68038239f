"""Process setup for one CPU process, one GPU, or many processes under torchrun.

torchrun sets RANK, LOCAL_RANK and WORLD_SIZE; the backend is NCCL on CUDA and gloo on CPU.
Replicas start from identical weights (same seed on every rank), while data order and any
sampling use ``seed + rank``. With ``sharded_init`` under FSDP2 each rank draws only its own
shard, so it must use its own seed: the same seed would give every shard the same values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
from torch import nn

from localmodel.config import ModelConfig
from localmodel.model import RMSNorm, SmolLM3ForCausalLM, build_model


@dataclass(frozen=True)
class DistInfo:
    rank: int
    local_rank: int
    world: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1


def init_distributed(device: str | None = None) -> DistInfo:
    """Read torchrun's environment, pick the device and start the process group if needed."""
    import torch.distributed as dist

    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    requested = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "cuda":
        torch.cuda.set_device(local_rank)
        dev = torch.device("cuda", local_rank)
    else:
        dev = torch.device(requested)
    if world > 1 and not dist.is_initialized():
        # NOTE: only the gloo (CPU) path is covered by tests; NCCL and FSDP2's bf16
        # mixed-precision policy have not run on GPUs.
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
    return DistInfo(rank, local_rank, world, dev)


def shutdown_distributed() -> None:
    import torch.distributed as dist

    if dist.is_initialized():
        dist.destroy_process_group()


def create_model(cfg: ModelConfig, info: DistInfo, parallel: str, seed: int,
                 sharded_init: bool = False, bf16: bool = False) -> tuple[nn.Module, nn.Module]:
    """Return (model to train, the underlying SmolLM3ForCausalLM) placed and wrapped.

    DDP and replicated FSDP2 start every rank from ``build_model(cfg, seed)``; sharded init
    builds on the meta device and fills each local shard with ``seed + rank``.
    """
    if info.distributed and parallel == "fsdp":
        return _fsdp_model(cfg, info, seed, sharded_init, bf16)
    raw = build_model(cfg, seed).to(info.device)
    if not info.distributed:
        return raw, raw
    from torch.nn.parallel import DistributedDataParallel as DDP

    ids = [info.local_rank] if info.device.type == "cuda" else None
    return DDP(raw, device_ids=ids), raw


def _fsdp_model(cfg: ModelConfig, info: DistInfo, seed: int, sharded_init: bool,
                bf16: bool) -> tuple[nn.Module, nn.Module]:
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard

    mesh = init_device_mesh(info.device.type, (info.world,))
    policy = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32) \
        if bf16 else MixedPrecisionPolicy()
    if sharded_init:
        with torch.device("meta"):
            model = SmolLM3ForCausalLM(cfg)
    else:
        model = build_model(cfg, seed).to(info.device)
    for layer in model.model.layers:
        fully_shard(layer, mesh=mesh, mp_policy=policy)
    fully_shard(model, mesh=mesh, mp_policy=policy)
    if sharded_init:
        model.to_empty(device=info.device)
        init_local_shards(model, cfg.init_std, seed + info.rank)
    return model, model


@torch.no_grad()
def init_local_shards(model: SmolLM3ForCausalLM, std: float, seed: int) -> None:
    """Fill each parameter's local shard: N(0, std) for matrices, ones for norm weights."""
    generator = torch.Generator(device="cpu").manual_seed(seed)
    norms = {id(m.weight) for m in model.modules() if isinstance(m, RMSNorm)}
    for param in model.parameters():
        local = param.to_local() if hasattr(param, "to_local") else param
        if id(param) in norms:
            local.fill_(1.0)
        else:
            values = torch.randn(local.shape, generator=generator) * std
            local.copy_(values.to(local.device))
