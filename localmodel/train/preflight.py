"""Pre-flight checks before a long run, on the run's own recipe, data and device.

Four checks: the data loads and is shuffled, a checkpoint saved mid-way resumes to the same
losses, the evaluation runs, and the step time is stable over a window of steps. Stable
means a coefficient of variation under a threshold, not counting the first two steps
(which include compilation). The checks run in ``out/preflight``, so the real run folder
stays clean.
"""

from __future__ import annotations

import json
import shutil
import statistics
from pathlib import Path
from typing import Any

from localmodel.train.recipe import Recipe

RESUME_TOLERANCE = 1e-4  # relative; CPU runs match exactly, GPU kernels may not


def preflight(out: Path, recipe: Recipe, window: int = 10, max_cv: float = 0.25,
              tokenizer: Path | None = None, data_dir: Path | None = None) -> dict[str, Any]:
    """Run the checks and return ``{"ok": bool, "checks": [...]}``."""
    from localmodel.train.pretrain import train
    from localmodel.train.run import prepare_run

    folder = out / "preflight"
    if folder.exists():
        shutil.rmtree(folder)
    steps = max(4, window + window % 2)
    half = steps // 2
    recipe = recipe.with_changes(train={
        "max_steps": steps, "checkpoint_every": half, "eval_every": steps,
        "warmup_steps": min(recipe.train.warmup_steps, half), "log_every": steps})
    prepare_run(folder, recipe, tokenizer, data_dir)
    checks = [_check_shuffled(folder)]

    first = train(folder, recipe, progress_bar=False)
    checks.append(_check_throughput(folder, max_cv))
    _rewind(folder, half)
    second = train(folder, recipe, progress_bar=False)
    checks.append(_check_resume(first["losses"][half:], second["losses"]))
    checks.append(_check_eval(folder))
    return {"ok": all(c["ok"] for c in checks), "checks": checks, "folder": str(folder)}


def _check_shuffled(folder: Path) -> dict[str, Any]:
    """Unshuffled shards have each row's last token equal to the next row's first token."""
    import numpy as np

    from localmodel.data.shards import load_index
    from localmodel.train.run import run_data_dir

    data_dir = run_data_dir(folder)
    index = load_index(data_dir)
    source = max(index["sources"].values(), key=lambda s: s["sequences"])
    rows = np.load(data_dir / source["shards"][0]["file"], mmap_mode="r")
    n = min(len(rows) - 1, 256)
    chained = float(np.mean(rows[:n, -1] == rows[1:n + 1, 0])) if n > 0 else 1.0
    ok = n > 0 and chained < 0.5
    return {"name": "data loads and is shuffled", "ok": ok,
            "detail": f"{index['sources'] and len(index['sources'])} sources, "
                      f"{chained:.0%} of adjacent rows continue each other"}


def _check_throughput(folder: Path, max_cv: float) -> dict[str, Any]:
    from localmodel.train.metrics import read_metrics

    times = [m["step_s"] for m in read_metrics(folder / "metrics.jsonl") if m["kind"] == "train"]
    steady = times[2:] if len(times) > 4 else times
    mean = statistics.fmean(steady)
    cv = statistics.pstdev(steady) / mean if mean > 0 else float("inf")
    return {"name": "throughput is stable", "ok": cv <= max_cv,
            "detail": f"step time {mean:.3f} s, coefficient of variation {cv:.2f} "
                      f"(limit {max_cv})"}


def _rewind(folder: Path, step: int) -> None:
    """Point LATEST at the mid-way checkpoint and drop later metrics, as after a crash."""
    from localmodel.train.checkpoint import LATEST_FILE, checkpoint_dir

    (folder / "checkpoints" / LATEST_FILE).write_text(checkpoint_dir(folder, step).name + "\n")
    metrics = folder / "metrics.jsonl"
    kept = [ln for ln in metrics.read_text().splitlines() if json.loads(ln)["step"] <= step]
    metrics.write_text("".join(ln + "\n" for ln in kept))


def _check_resume(expected: list[float], resumed: list[float]) -> dict[str, Any]:
    worst = max((abs(a - b) / max(abs(a), 1e-8) for a, b in zip(expected, resumed, strict=True)),
                default=0.0)
    ok = len(expected) == len(resumed) and worst <= RESUME_TOLERANCE
    return {"name": "checkpoint saves and resumes", "ok": ok,
            "detail": f"{len(resumed)} resumed steps, max relative loss difference {worst:.2e}"}


def _check_eval(folder: Path) -> dict[str, Any]:
    from localmodel.train.evaluate import evaluate_run

    result = evaluate_run(folder, max_windows=8, task_items=10)
    return {"name": "evaluation runs", "ok": result["val_bpb"] > 0,
            "detail": f"held-out {result['val_bpb']:.3f} bits/byte"}
