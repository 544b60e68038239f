"""Compute planning: FLOPs, time and GPU-hours for a run, implied MFU, compute-optimal size.

Training compute is C = 6 N D (forward and backward over N parameters and D tokens), plus
the attention term 12 L H T per token when the shape is known (L layers, H hidden size,
T sequence length; the PaLM and nanochat estimate, without halving for causal masking).
The compute-optimal size uses the Chinchilla rule of about 20 tokens per parameter, so
C = 6 N (20 N) gives N = sqrt(C / 120).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from specify.errors import UsageError

# Dense (no sparsity) peak TFLOP/s per GPU at bf16, from the vendors' data sheets.
GPU_PEAK_TFLOPS = {
    "h100": 989.0,
    "h200": 989.0,
    "a100": 312.0,
    "b200": 2250.0,
    "l40s": 362.0,
    "rtx4090": 165.0,  # FP16/BF16 tensor cores with FP32 accumulate
}
TOKENS_PER_PARAM = 20.0


@dataclass(frozen=True)
class Plan:
    params: float
    tokens: float
    flops: float
    flops_6nd: float
    gpu: str
    gpus: int
    peak_tflops: float
    mfu: float | None = None
    seconds: float | None = None
    gpu_hours: float | None = None
    days: float | None = None
    implied_mfu: float | None = None
    implied_mfu_6nd: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def peak_tflops(gpu: str) -> float:
    key = gpu.lower().replace("-", "").replace(" ", "")
    if key not in GPU_PEAK_TFLOPS:
        raise UsageError(f"Unknown GPU type '{gpu}'.",
                         f"Choose one of: {', '.join(GPU_PEAK_TFLOPS)}.")
    return GPU_PEAK_TFLOPS[key]


def training_flops(params: float, tokens: float, n_layers: int | None = None,
                   hidden_size: int | None = None, seq_len: int | None = None) -> float:
    """Return total training FLOPs: 6 N D, plus 12 L H T D when the shape is given."""
    flops = 6.0 * params * tokens
    if n_layers and hidden_size and seq_len:
        flops += 12.0 * n_layers * hidden_size * seq_len * tokens
    return flops


def plan_run(params: float, tokens: float, gpu: str = "h100", gpus: int = 1,
             mfu: float | None = 0.3, gpu_hours: float | None = None,
             n_layers: int | None = None, hidden_size: int | None = None,
             seq_len: int | None = None) -> Plan:
    """Plan a run: time and GPU-hours at ``mfu``; or, given ``gpu_hours``, the implied MFU."""
    if params <= 0 or tokens <= 0 or gpus <= 0:
        raise UsageError("Parameters, tokens and GPU count must be positive.")
    peak = peak_tflops(gpu)
    flops = training_flops(params, tokens, n_layers, hidden_size, seq_len)
    flops_6nd = 6.0 * params * tokens
    fields: dict = {}
    if mfu is not None:
        if not 0 < mfu <= 1:
            raise UsageError(f"MFU {mfu} must be in (0, 1], for example 0.3.")
        seconds = flops / (gpus * peak * 1e12 * mfu)
        fields.update(mfu=mfu, seconds=seconds, gpu_hours=gpus * seconds / 3600,
                      days=seconds / 86400)
    if gpu_hours is not None:
        available = gpu_hours * 3600 * peak * 1e12
        fields.update(implied_mfu=flops / available, implied_mfu_6nd=flops_6nd / available)
    return Plan(params, tokens, flops, flops_6nd, gpu, gpus, peak, **fields)


def compute_optimal(flops: float, tokens_per_param: float = TOKENS_PER_PARAM) -> dict:
    """Return the compute-optimal parameter and token counts for a budget of ``flops``."""
    if flops <= 0:
        raise UsageError("The compute budget must be positive.")
    params = math.sqrt(flops / (6.0 * tokens_per_param))
    return {"flops": flops, "params": params, "tokens": params * tokens_per_param,
            "tokens_per_param": tokens_per_param}


def parse_count(text: str) -> float:
    """Parse counts like ``3.08B``, ``11.2T``, ``45M``, ``2.5e23`` or ``276480``."""
    units = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12, "p": 1e15}
    value = text.strip().replace("_", "").replace(",", "")
    try:
        if value and value[-1].lower() in units:
            return float(value[:-1]) * units[value[-1].lower()]
        return float(value)
    except ValueError as exc:
        raise UsageError(f"Invalid count '{text}'.", "Use a number such as 3.08B, 11.2T or 2e23.") \
            from exc
