"""Training metrics: JSONL log, throughput and MFU, loss-spike flags, progress and a PNG curve."""

from __future__ import annotations

import json
import logging
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

def default_peak_tflops(device_name: str) -> float | None:
    """Return the dense bf16 peak of a CUDA device named like "NVIDIA H100 80GB HBM3"."""
    from localmodel.plan import GPU_PEAK_TFLOPS

    name = device_name.lower().replace(" ", "").replace("-", "")
    for key in sorted(GPU_PEAK_TFLOPS, key=len, reverse=True):
        if key in name:
            return GPU_PEAK_TFLOPS[key]
    return None


@dataclass
class Throughput:
    """Tokens/s, step time, data wait and MFU of the last step."""

    flops_per_token: float
    peak_tflops: float | None  # per device
    world: int = 1

    def measure(self, tokens: int, step_s: float, data_s: float) -> dict[str, Any]:
        tokens_per_s = tokens / step_s if step_s > 0 else 0.0
        achieved = tokens_per_s * self.flops_per_token / 1e12  # TFLOP/s over all devices
        mfu = achieved / (self.peak_tflops * self.world) if self.peak_tflops else None
        return {"tokens_per_s": tokens_per_s, "step_s": step_s, "data_wait_s": data_s,
                "tflops": achieved, "mfu": mfu}


@dataclass
class SpikeDetector:
    """Flag a loss above ``factor`` x its exponential running mean (after ``warmup`` steps)."""

    factor: float = 2.0
    warmup: int = 10
    decay: float = 0.95
    mean: float | None = None
    seen: int = 0

    def update(self, loss: float) -> bool:
        self.seen += 1
        if not math.isfinite(loss):
            return True
        spike = self.mean is not None and self.seen > self.warmup and loss > self.factor * self.mean
        if not spike:
            previous = loss if self.mean is None else self.mean
            self.mean = self.decay * previous + (1 - self.decay) * loss
        return spike


@dataclass
class MetricsLog:
    path: Path
    enabled: bool = True
    started: float = field(default_factory=time.monotonic)

    def write(self, record: dict[str, Any]) -> None:
        if not self.enabled:
            return
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


def read_metrics(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def progress(step: int, total: int, loss: float, tokens_per_s: float) -> None:
    """Draw a one-line progress bar on stderr (a plain line per call when not a terminal)."""
    width = 30
    filled = int(width * step / max(1, total))
    bar = "#" * filled + "-" * (width - filled)
    line = f"[{bar}] {step}/{total} loss {loss:.3f} {tokens_per_s:,.0f} tok/s"
    if sys.stderr.isatty():
        sys.stderr.write("\r" + line + ("\n" if step >= total else ""))
    else:
        sys.stderr.write(line + "\n")
    sys.stderr.flush()


def plot_loss(metrics: list[dict[str, Any]], out: Path) -> Path | None:
    """Write the training and validation loss curves to ``out`` as a PNG."""
    import matplotlib  # ~0.3 s

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [(m["step"], m["loss"]) for m in metrics if m.get("kind") == "train"]
    val = [(m["step"], m["val_loss"]) for m in metrics if m.get("kind") == "eval"]
    if not train:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(*zip(*train, strict=True), label="train loss")
    if val:
        ax.plot(*zip(*val, strict=True), marker="o", label="validation loss")
    spikes = [(m["step"], m["loss"]) for m in metrics if m.get("spike")]
    if spikes:
        ax.scatter(*zip(*spikes, strict=True), color="red", label="loss spike", zorder=3)
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
