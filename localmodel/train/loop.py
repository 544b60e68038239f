"""The training loop's state: model, optimizer, loader, metrics, evaluation and checkpoints."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import torch

from localmodel.train.distributed import DistInfo
from localmodel.train.recipe import Recipe

logger = logging.getLogger(__name__)


class TrainingLoop:
    def __init__(self, run_dir: Path, recipe: Recipe, info: DistInfo,
                 progress_bar: bool = True) -> None:
        from localmodel.data.loader import ShardLoader, validation_windows
        from localmodel.data.shards import load_index
        from localmodel.tokenizer.train import BOS_TOKEN, load_tokenizer
        from localmodel.train.checkpoint import TOKENIZER_FILE
        from localmodel.train.distributed import create_model
        from localmodel.train.evaluate import token_byte_lengths
        from localmodel.train.metrics import (
            MetricsLog,
            SpikeDetector,
            Throughput,
            default_peak_tflops,
        )
        from localmodel.train.optim import build_optimizer
        from localmodel.train.pretrain import grad_accum_steps
        from localmodel.train.run import run_data_dir

        self.run_dir, self.recipe, self.info = run_dir, recipe, info
        self.progress_bar = progress_bar
        cfg = recipe.train
        self.accum = grad_accum_steps(cfg, info.world)
        tokenizer = load_tokenizer(run_dir / TOKENIZER_FILE)
        data_dir = run_data_dir(run_dir)
        bos = tokenizer.token_to_id(BOS_TOKEN)

        self.model, self.raw = create_model(recipe.model, info, cfg.parallel, recipe.seed,
                                            cfg.sharded_init, bf16=info.device.type == "cuda")
        torch.manual_seed(recipe.seed + info.rank)  # sampling and any dropout differ per rank
        if cfg.compile and info.device.type == "cuda":
            self.raw.compile()
        self.optimizer = build_optimizer(self.model, cfg)
        sources = list(load_index(data_dir)["sources"])
        self.loader = ShardLoader(data_dir, recipe.mixture_for(sources), cfg.micro_batch,
                                  recipe.data.seq_len, info.rank, info.world, recipe.seed, bos)
        self.val = validation_windows(data_dir, recipe.data.seq_len, cfg.eval_windows)
        self.byte_lengths = token_byte_lengths(tokenizer)

        name = torch.cuda.get_device_name(info.device) if info.device.type == "cuda" else "cpu"
        peak = cfg.peak_tflops or default_peak_tflops(name)
        self.throughput = Throughput(recipe.model.flops_per_token(recipe.data.seq_len), peak,
                                     info.world)
        if info.is_main:
            stated = f"{peak:.0f} TFLOP/s per device" if peak else "unknown (set train.peak_tflops)"
            logger.info("device %s, %d process(es), %d micro-batches per step, MFU peak %s",
                        name, info.world, self.accum, stated)
        self.spikes = SpikeDetector(cfg.spike_factor)
        self.log = MetricsLog(run_dir / "metrics.jsonl", enabled=info.is_main)
        self.start_step = 0
        self.history: list[dict[str, Any]] = []

    def resume(self) -> None:
        from localmodel.train.checkpoint import latest_checkpoint, load_checkpoint

        folder = latest_checkpoint(self.run_dir)
        if folder is None:
            return
        state = load_checkpoint(folder, self.model, self.optimizer, self.info)
        self.loader.load_state_dict(state["loaders"][self.info.rank])
        self.start_step = state["step"]
        if self.info.is_main:
            logger.info("resumed from %s at step %d", folder, self.start_step)

    def run(self, stop_at: int | None = None) -> dict[str, Any]:
        from localmodel.train.metrics import plot_loss, read_metrics

        self.resume()
        cfg = self.recipe.train
        end = min(cfg.max_steps, stop_at or cfg.max_steps)
        last: dict[str, Any] = {}
        for step in range(self.start_step, end):
            last = self.step(step)
            done = step + 1
            if done % cfg.eval_every == 0 or done == end:
                last.update(self.evaluate(done))
            if done % cfg.checkpoint_every == 0 or done == end:
                self.save(done)
        if self.info.is_main:
            plot_loss(read_metrics(self.run_dir / "metrics.jsonl"), self.run_dir / "loss.png")
        return {"rank": self.info.rank, "steps": end, **last,
                "losses": [h["loss"] for h in self.history]}

    def step(self, step: int) -> dict[str, Any]:
        from localmodel.train.optim import lr_factor
        from localmodel.train.pretrain import MicroBatch, optimizer_step

        cfg = self.recipe.train
        started = time.perf_counter()
        micro, data_s = [], 0.0
        for _ in range(self.accum):
            t0 = time.perf_counter()
            inputs, labels, doc_ids = self.loader.next_batch(step)
            data_s += time.perf_counter() - t0
            if not self.recipe.data.doc_masking:
                doc_ids = None
            micro.append(MicroBatch(inputs, labels, doc_ids))
        lr = cfg.lr * lr_factor(step, cfg)
        result = optimizer_step(self.model, self.optimizer, micro, cfg, self.info, lr)
        if self.info.device.type == "cuda":
            torch.cuda.synchronize()
        elapsed = time.perf_counter() - started
        tokens = cfg.global_batch * self.recipe.data.seq_len
        record = {"kind": "train", "step": step + 1, "lr": lr, **result,
                  **self.throughput.measure(tokens, elapsed, data_s),
                  "stage": self.recipe.mixture_for(list(self.loader.cursors)).stage_at(step).name}
        record["spike"] = self.spikes.update(result["loss"])
        if record["spike"] and self.info.is_main:
            logger.warning("loss spike at step %d: %.3f (running mean %.3f)", step + 1,
                           result["loss"], self.spikes.mean or 0.0)
        self.history.append(record)
        self.log.write(record)
        if self.info.is_main and self.progress_bar and (
                (step + 1) % cfg.log_every == 0 or step + 1 == cfg.max_steps):
            from localmodel.train.metrics import progress

            progress(step + 1, cfg.max_steps, result["loss"], record["tokens_per_s"])
        return record

    def evaluate(self, step: int) -> dict[str, Any]:
        from localmodel.train.evaluate import bits_per_byte

        self.model.eval()
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.info.device.type == "cuda"):
            result = bits_per_byte(self.model, *self.val, self.byte_lengths)
        self.model.train()
        record = {"kind": "eval", "step": step, **result}
        self.log.write(record)
        if self.info.is_main:
            logger.info("step %d: validation loss %.4f, %.4f bits/byte", step,
                        result["val_loss"], result["val_bpb"])
        return result

    def save(self, step: int) -> None:
        from localmodel.train.checkpoint import save_checkpoint

        save_checkpoint(self.run_dir, step, self.model, self.optimizer,
                        self.loader.state_dict(), self.info)
