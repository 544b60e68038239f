"""Ablations: a baseline and variants trained on the same budget, data and seeds.

Every run shares one tokenizer and one tokenised dataset. Each variant is trained once per
seed and evaluated on held-out bits per byte and the local multiple-choice tasks. A variant
counts as better only when its mean bits per byte beats the baseline's by more than the
noise. The noise is twice the larger of the two seed standard deviations, so one seed gives
no noise estimate and no verdict.
"""

from __future__ import annotations

import json
import logging
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localmodel.train.recipe import Recipe
from specify.errors import UsageError
from specify.fsutil import atomic_write_text

logger = logging.getLogger(__name__)

BASELINE = "baseline"
# Named variants: (section, key, value) overrides of the base recipe.
VARIANTS: dict[str, list[tuple[str, str, Any]]] = {
    "nope-off": [("model", "no_rope_interval", 0)],
    "untied": [("model", "tie_embeddings", False)],
    "qk-norm": [("model", "qk_norm", True)],
    "mha": [("model", "n_kv_heads", "n_heads")],
    "mqa": [("model", "n_kv_heads", 1)],
    "doc-mask-off": [("data", "doc_masking", False)],
    "z-loss": [("train", "z_loss", 1e-4)],
}


@dataclass(frozen=True)
class Variant:
    name: str
    changes: dict[str, dict[str, Any]]  # section -> {key: value}


def parse_variant(text: str) -> Variant:
    """Parse a named variant, or ``NAME:section.key=value,section.key=value``."""
    if ":" not in text:
        if text not in VARIANTS:
            raise UsageError(f"Unknown variant '{text}'.",
                             f"Use one of {', '.join(VARIANTS)} or NAME:section.key=value.")
        changes: dict[str, dict[str, Any]] = {}
        for section, key, value in VARIANTS[text]:
            changes.setdefault(section, {})[key] = value
        return Variant(text, changes)
    name, _, spec = text.partition(":")
    changes = {}
    for item in filter(None, spec.split(",")):
        target, eq, raw = item.partition("=")
        section, dot, key = target.partition(".")
        if not eq or not dot or section not in ("model", "data", "train"):
            raise UsageError(f"Invalid override '{item}' in variant '{name}'.",
                             "Write section.key=value with section model, data or train.")
        changes.setdefault(section, {})[key] = _parse_value(raw)
    return Variant(name, changes)


def apply_variant(recipe: Recipe, variant: Variant, seed: int) -> Recipe:
    model = {k: (getattr(recipe.model, v) if v == "n_heads" else v)
             for k, v in variant.changes.get("model", {}).items()}
    return recipe.with_changes(model=model, data=variant.changes.get("data"),
                               train=variant.changes.get("train"), seed=seed)


def run_ablation(recipe: Recipe, variants: list[Variant], seeds: list[int], out: Path,
                 max_steps: int | None = None) -> dict[str, Any]:
    """Train and evaluate the baseline and each variant for each seed; write the table."""
    from localmodel.train.evaluate import evaluate_run
    from localmodel.train.pretrain import train
    from localmodel.train.run import prepare_run, run_data_dir

    if not seeds:
        raise UsageError("Give at least one seed.")
    if max_steps:
        recipe = recipe.with_changes(train={"max_steps": max_steps})
    shared = out / "shared"
    if not (shared / "recipe.json").is_file():
        prepare_run(shared, recipe)
    tokenizer, data_dir = shared / "tokenizer.json", run_data_dir(shared)

    rows = []
    for variant in [Variant(BASELINE, {}), *variants]:
        for seed in seeds:
            run_dir = out / "runs" / f"{variant.name}-seed{seed}"
            logger.info("ablation run %s", run_dir.name)
            train(run_dir, apply_variant(recipe, variant, seed), tokenizer, data_dir,
                  progress_bar=False)
            result = evaluate_run(run_dir)
            rows.append({"variant": variant.name, "seed": seed, **result})
    summary = summarise(rows)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "results.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    atomic_write_text(out / "table.md", format_table(summary) + "\n")
    plot_ablation(summary, out / "ablation.png")
    return {"runs": rows, "summary": summary, "table": str(out / "table.md"),
            "plot": str(out / "ablation.png")}


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return per-variant means and standard deviations and the verdict against the baseline."""
    by_variant: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_variant.setdefault(row["variant"], []).append(row)
    base = _stats([r["val_bpb"] for r in by_variant[BASELINE]])
    summary = []
    for name, runs in by_variant.items():
        bpb = _stats([r["val_bpb"] for r in runs])
        delta = bpb["mean"] - base["mean"]
        noise = 2 * max(bpb["std"], base["std"]) if len(runs) > 1 else None
        if name == BASELINE:
            verdict = "baseline"
        elif noise is None:
            verdict = "no noise estimate (one seed)"
        elif delta < -noise:
            verdict = "better"
        elif delta > noise:
            verdict = "worse"
        else:
            verdict = "within noise"
        entry = {"variant": name, "seeds": len(runs), "val_bpb": bpb["mean"],
                 "val_bpb_std": bpb["std"], "delta_bpb": delta, "noise": noise,
                 "verdict": verdict}
        for key in sorted(k for k in runs[0] if k.startswith("acc_")):
            values = [r[key] for r in runs if r[key] is not None]
            entry[key] = statistics.fmean(values) if values else None
        summary.append(entry)
    return summary


def format_table(summary: list[dict[str, Any]]) -> str:
    acc_keys = sorted(k for k in summary[0] if k.startswith("acc_"))
    head = ["variant", "seeds", "bits/byte", "std", "delta", "noise", *acc_keys, "verdict"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in summary:
        cells = [s["variant"], str(s["seeds"]), f"{s['val_bpb']:.4f}", f"{s['val_bpb_std']:.4f}",
                 f"{s['delta_bpb']:+.4f}", "-" if s["noise"] is None else f"{s['noise']:.4f}",
                 *("-" if s[k] is None else f"{s[k]:.2f}" for k in acc_keys), s["verdict"]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_ablation(summary: list[dict[str, Any]], out: Path) -> Path:
    """Draw bits per byte per variant with error bars of one seed standard deviation."""
    import matplotlib  # ~0.3 s

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [s["variant"] for s in summary]
    fig, ax = plt.subplots(figsize=(1.2 * len(names) + 2, 4))
    colors = ["grey" if s["variant"] == BASELINE else
              {"better": "green", "worse": "red"}.get(s["verdict"], "steelblue") for s in summary]
    ax.bar(names, [s["val_bpb"] for s in summary], yerr=[s["val_bpb_std"] for s in summary],
           color=colors, capsize=4)
    low = min(s["val_bpb"] - s["val_bpb_std"] for s in summary)
    high = max(s["val_bpb"] + s["val_bpb_std"] for s in summary)
    ax.set_ylim(low - 0.1 * (high - low + 1e-3), high + 0.1 * (high - low + 1e-3))
    ax.set_ylabel("held-out bits per byte (lower is better)")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def _stats(values: list[float]) -> dict[str, float]:
    return {"mean": statistics.fmean(values),
            "std": statistics.stdev(values) if len(values) > 1 else 0.0}


def _parse_value(raw: str) -> Any:
    lowered = raw.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    return raw.strip()
