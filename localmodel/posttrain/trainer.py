"""The loop every post-training stage shares: start from a base, step, log, evaluate, save.

A stage supplies ``micro_batches(step)`` (this rank's share of the step's batch, already
split into micro-batches), ``count(micro)`` (how many units, tokens or pairs, it
normalises over) and ``loss(model, micro)`` (the summed loss and metrics). The loop scales
each micro-batch's loss by the global count, so gradient accumulation and the number of
processes do not change the update. Batches are a pure function of the step, so a resumed
run gets the same data as an uninterrupted one.

The run folder has the pretraining layout, with ``posttrain.json`` (the recipe and the
base it started from) in place of ``recipe.json``.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from contextlib import nullcontext
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import nn

from localmodel.posttrain.recipe import PostTrainRecipe
from localmodel.train.distributed import DistInfo
from specify.errors import ConfigError
from specify.fsutil import atomic_write_text

logger = logging.getLogger(__name__)

POSTTRAIN_FILE = "posttrain.json"


class Stage(Protocol):
    def micro_batches(self, step: int, model: nn.Module) -> list[Any]: ...

    def count(self, micro: Any) -> int: ...

    def loss(self, model: nn.Module, micro: Any) -> tuple[torch.Tensor, dict[str, float]]: ...


def load_policy(source: Path, device: torch.device):  # noqa: ANN201 - (model, bundle)
    """Load a run or Hugging Face folder as a trainable ``SmolLM3ForCausalLM`` on ``device``."""
    from localmodel.export.source import build_torch_model, load_bundle

    bundle = load_bundle(source)
    model = build_torch_model(bundle).to(device)
    return model.train(), bundle


def prepare_posttrain_run(run_dir: Path, recipe: PostTrainRecipe, base: Path) -> None:
    """Write config, tokenizer and ``posttrain.json``; a folder with another recipe is rejected."""
    from localmodel.export.source import load_bundle
    from localmodel.train.checkpoint import CONFIG_FILE, TOKENIZER_FILE

    wanted = {"recipe": recipe.to_dict(), "base": str(base.resolve())}
    marker = run_dir / POSTTRAIN_FILE
    if marker.is_file():
        found = json.loads(marker.read_text(encoding="utf-8"))
        wanted = json.loads(json.dumps(wanted))  # tuples compare as the lists JSON stores
        if {**found["recipe"], "train": None} != {**wanted["recipe"], "train": None} or \
                found["base"] != wanted["base"]:
            raise ConfigError(f"Run folder {run_dir} contains a different post-training run.",
                              "Use a new --out folder, or the same recipe and base to resume.")
        return
    bundle = load_bundle(base)
    run_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(bundle.tokenizer_path, run_dir / TOKENIZER_FILE)
    bundle.config.save(run_dir / CONFIG_FILE)
    atomic_write_text(marker, json.dumps(wanted, indent=2) + "\n")


class PostTrainLoop:
    def __init__(self, run_dir: Path, recipe: PostTrainRecipe, info: DistInfo, model: nn.Module,
                 stage: Stage) -> None:
        from localmodel.train.metrics import MetricsLog
        from localmodel.train.optim import build_optimizer

        self.run_dir, self.recipe, self.info, self.stage = run_dir, recipe, info, stage
        self.raw = model
        self.model = model
        if info.distributed:
            from torch.nn.parallel import DistributedDataParallel as DDP

            ids = [info.local_rank] if info.device.type == "cuda" else None
            self.model = DDP(model, device_ids=ids)
        self.optimizer = build_optimizer(self.model, recipe.train)
        self.log = MetricsLog(run_dir / "metrics.jsonl", enabled=info.is_main)
        self.start_step = 0

    def resume(self) -> None:
        from localmodel.train.checkpoint import latest_checkpoint, load_checkpoint

        folder = latest_checkpoint(self.run_dir)
        if folder is not None:
            self.start_step = load_checkpoint(folder, self.model, self.optimizer, self.info)["step"]
            logger.info("resumed %s from %s at step %d", self.recipe.stage, folder, self.start_step)

    def run(self, stop_at: int | None = None) -> list[dict[str, Any]]:
        """Train from the newest checkpoint to ``max_steps``, or save and stop at ``stop_at``."""
        from localmodel.train.checkpoint import save_checkpoint

        self.resume()
        cfg = self.recipe.train
        end = min(cfg.max_steps, stop_at or cfg.max_steps)
        history = []
        for step in range(self.start_step, end):
            record = self.step(step)
            history.append(record)
            done = step + 1
            if done % cfg.checkpoint_every == 0 or done == end:
                save_checkpoint(self.run_dir, done, self.model, self.optimizer, {"step": done},
                                self.info)
        return history

    def step(self, step: int) -> dict[str, Any]:
        from localmodel.train.optim import lr_factor

        cfg = self.recipe.train
        started = time.perf_counter()
        lr = cfg.lr * lr_factor(step, cfg)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        micro = self.stage.micro_batches(step, self.raw)
        total = self._global_count(sum(self.stage.count(m) for m in micro))
        sums: dict[str, float] = {}
        for i, mb in enumerate(micro):
            last = i == len(micro) - 1
            sync = self.model.no_sync() if self.info.distributed and not last else nullcontext()
            with sync:
                loss, metrics = self.stage.loss(self.model, mb)
                (loss * self.info.world / max(1, total)).backward()
            for key, value in metrics.items():
                sums[key] = sums.get(key, 0.0) + value
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        # NOTE: under torchrun the logged loss and metrics are rank 0's share of the batch.
        record = {"kind": "train", "stage": self.recipe.stage, "step": step + 1, "lr": lr,
                  "grad_norm": float(norm), "step_s": time.perf_counter() - started,
                  **_finish(sums)}
        step_stats = getattr(self.stage, "step_stats", None)
        if step_stats is not None:
            record.update(step_stats())
        self.log.write(record)
        if self.info.is_main and ((step + 1) % cfg.log_every == 0 or step + 1 == cfg.max_steps):
            shown = ", ".join(f"{k} {v:.4g}" for k, v in record.items()
                              if isinstance(v, float) and k not in ("lr", "step_s"))
            logger.info("%s step %d/%d: %s", self.recipe.stage, step + 1, cfg.max_steps, shown)
        return record

    def _global_count(self, count: int) -> int:
        if not self.info.distributed:
            return count
        import torch.distributed as dist

        tensor = torch.tensor([count], device=self.info.device)
        dist.all_reduce(tensor)
        return int(tensor.item())


def _finish(sums: dict[str, float]) -> dict[str, float]:
    """Turn ``NAME_sum`` / ``NAME_n`` pairs into means; keep other sums as they are."""
    out = {}
    for key, value in sums.items():
        if key.endswith("_sum"):
            name = key.removesuffix("_sum")
            out[name] = value / max(1.0, sums.get(f"{name}_n", 1.0))
        elif not key.endswith("_n"):
            out[key] = value
    return out


def batch_indices(step: int, global_batch: int, size: int, seed: int, info: DistInfo) -> list[int]:
    """Return this rank's item indices for ``step``: epoch-wise permutations, strided by rank."""
    start = step * global_batch
    out = []
    for position in range(start + info.rank, start + global_batch, info.world):
        epoch, offset = divmod(position, size)
        out.append(_permutation(seed, epoch, size)[offset])
    return out


@lru_cache(maxsize=4)
def _permutation(seed: int, epoch: int, size: int) -> list[int]:
    generator = torch.Generator().manual_seed(seed * 1000 + epoch)
    return torch.randperm(size, generator=generator).tolist()


def chunk(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]
