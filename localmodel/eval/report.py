"""A Markdown report comparing evaluations across stages, with plots, so each stage's effect shows.

Input: ``eval.json`` files (one per checkpoint, in stage order) and, where present, each
run's ``metrics.jsonl``. Output: ``report.md`` with a metric-by-stage table and the change
from the previous stage, ``metrics.png`` (grouped bars of the shares) and ``training.png``
(the per-step curves of each post-training stage: SFT loss, DPO margin and accuracy, GRPO
reward and completion lengths per mode).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from specify.errors import ArtifactError

HEADLINE = ("template_rate", "template_rate_think", "template_rate_no_think", "json_parse_rate",
            "json_schema_rate", "tool_call_valid_rate", "reward_mean", "sampled_reward", "pref_margin",
            "pref_accuracy", "length_think_mean", "length_no_think_mean", "sampled_length_think_mean",
            "sampled_length_no_think_mean", "bpb",
            "llamacpp_json_valid_free", "llamacpp_json_valid_grammar", "humaneval_pass_at_1")
SHARES = ("template_rate", "json_parse_rate", "json_schema_rate", "tool_call_valid_rate",
          "reward_mean", "sampled_reward", "pref_accuracy")
# One plot panel per tuple: GRPO rewards (about 0..1) and lengths (tokens) get their own.
CURVES = {"sft": [("loss",)], "dpo": [("margin", "accuracy")],
          "grpo": [("reward", "correct"), ("length_think_mean", "length_no_think_mean")]}


def load_eval(path: Path) -> dict[str, Any]:
    file = path / "eval.json" if path.is_dir() else path
    if not file.is_file():
        raise ArtifactError(f"Evaluation {file} does not exist.",
                            "Evaluate the run first: specify model eval-chat RUN --heldout FILE")
    return json.loads(file.read_text(encoding="utf-8"))


def metric_rows(evals: list[dict[str, Any]]) -> list[str]:
    """Return the headline metrics first, then per-family accuracies, present in any eval."""
    present = {key for e in evals for key, v in e.items() if isinstance(v, int | float)}
    accuracy = sorted(k for k in present if k.startswith("accuracy/"))
    return [k for k in HEADLINE if k in present] + accuracy


def _cell(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, int | float) and math.isfinite(value) else "-"


def markdown_table(names: list[str], evals: list[dict[str, Any]]) -> str:
    header = "| metric | " + " | ".join(names) + " | change in last stage |"
    lines = [header, "|" + " --- |" * (len(names) + 2)]
    for key in metric_rows(evals):
        values = [e.get(key) for e in evals]
        change = "-"
        if len(values) > 1 and all(isinstance(v, int | float) for v in values[-2:]):
            change = f"{values[-1] - values[-2]:+.3f}"
        lines.append(f"| {key} | " + " | ".join(_cell(v) for v in values) + f" | {change} |")
    return "\n".join(lines)


def stage_changes(names: list[str], evals: list[dict[str, Any]]) -> list[str]:
    """Return one line per stage naming the metrics it moved most."""
    lines = []
    for i in range(1, len(evals)):
        moved = []
        for key in SHARES + ("pref_margin", "length_no_think_mean"):
            before, after = evals[i - 1].get(key), evals[i].get(key)
            if isinstance(before, int | float) and isinstance(after, int | float) and after != before:
                moved.append((abs(after - before), f"{key} {before:.3f} -> {after:.3f}"))
        top = [text for _, text in sorted(moved, reverse=True)[:4]]
        lines.append(f"- **{names[i]}** (after {names[i - 1]}): " + ("; ".join(top) or "no change"))
    return lines


def plot_metrics(names: list[str], evals: list[dict[str, Any]], out: Path) -> Path:
    import matplotlib  # ~0.3 s

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [k for k in SHARES if any(k in e for e in evals)]
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(keys) * len(names) / 2), 4))
    width = 0.8 / max(1, len(names))
    for i, (name, ev) in enumerate(zip(names, evals, strict=True)):
        xs = [j + i * width for j in range(len(keys))]
        ax.bar(xs, [ev.get(k, 0.0) for k in keys], width, label=name)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(keys))], keys, rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of held-out items")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def plot_training(runs: list[tuple[str, Path]], out: Path) -> Path | None:
    """Plot each post-training run's logged curves; None when no run has post-training logs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from localmodel.train.metrics import read_metrics

    panels = []
    for name, run in runs:
        records = [m for m in read_metrics(run / "metrics.jsonl") if m.get("stage") in CURVES]
        for keys in CURVES[records[0]["stage"]] if records else []:
            panels.append((name, records, keys))
    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.6), squeeze=False)
    for ax, (name, records, keys) in zip(axes[0], panels, strict=True):
        for key in keys:
            points = [(m["step"], m[key]) for m in records if key in m]
            if points:
                ax.plot(*zip(*points, strict=True), label=key)
        ax.set_title(name)
        ax.set_xlabel("step")
        ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def write_report(runs: list[tuple[str, Path]], out: Path) -> dict[str, Any]:
    """Write ``report.md`` and its plots into ``out`` for (name, run or eval.json) pairs."""
    from specify.fsutil import atomic_write_text

    names = [name for name, _ in runs]
    evals = [load_eval(path) for _, path in runs]
    out.mkdir(parents=True, exist_ok=True)
    plot_metrics(names, evals, out / "metrics.png")
    folders = [(n, p if p.is_dir() else p.parent) for n, p in runs]
    training = plot_training(folders, out / "training.png")
    parts = ["# Post-training report", "",
             "Held-out evaluation of each checkpoint, in stage order. Shares are 0 to 1; "
             "lengths are completion tokens; bpb is bits per byte of held-out chats.", "",
             markdown_table(names, evals), "", "## What each stage changed", "",
             *stage_changes(names, evals), "", "![metrics](metrics.png)", ""]
    if training:
        parts += ["## Training curves", "", "![training](training.png)", ""]
    atomic_write_text(out / "report.md", "\n".join(parts))
    return {"report": str(out / "report.md"), "stages": names,
            "metrics": {n: {k: e.get(k) for k in metric_rows(evals)} for n, e in zip(names, evals, strict=True)}}
