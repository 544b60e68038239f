"""The tiny end-to-end post-training recipe the tests run: data, base, SFT, DPO, GRPO.

Everything is generated locally: arithmetic and JSON tasks at difficulty 1, a 512-token
tokenizer trained on their reasoning traces, and a randomly initialised 4-layer model as
the base. One thread, fixed seeds. Run it as a script to calibrate the thresholds of
``test_pipeline.py`` over several seeds::

    python -m tests.posttrain.pipeline OUT_DIR SEED
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localmodel.config import ModelConfig

TINY = ModelConfig(vocab_size=512, hidden_size=64, n_layers=4, n_heads=4, n_kv_heads=2,
                   ffn_size=192, rope_theta=10_000.0, max_seq_len=1024)
FAMILIES = {"arithmetic": 150, "json": 150}
GRPO_FAMILIES = ("json",)
TRAIN = {"global_batch": 8, "micro_batch": 8, "schedule": "wsd", "checkpoint_every": 1000,
         "log_every": 10, "weight_decay": 0.0}
STAGES: dict[str, dict[str, Any]] = {
    "sft": {"train": {**TRAIN, "max_steps": 100, "lr": 3e-3, "warmup_steps": 5,
                      "decay_fraction": 0.2}},
    "dpo": {"train": {**TRAIN, "max_steps": 20, "lr": 2e-4, "warmup_steps": 0,
                      "decay_fraction": 0.0}, "dpo": {"beta": 0.1, "loss": "apo_zero"}},
    "grpo": {"train": {**TRAIN, "max_steps": 80, "lr": 5e-4, "warmup_steps": 0,
                       "decay_fraction": 0.0},
             "data": {"families": list(GRPO_FAMILIES)},
             "grpo": {"group_size": 8, "max_new_tokens": 40, "no_think_max_tokens": 24,
                      "overlong_buffer": 8}},
}
EVAL = {"items": 12, "max_new_tokens": 40, "samples": 4}


@dataclass
class Pipeline:
    root: Path
    data: Path
    base: Path
    runs: dict[str, Path]
    evals: dict[str, dict[str, Any]]


def make_data(root: Path, seed: int) -> Path:
    from localmodel.data.synthetic.generate import SynthConfig, generate

    out = root / "data"
    generate(out, SynthConfig(counts=FAMILIES, difficulties=(1,), heldout_fraction=0.15, seed=seed))
    return out


def make_base(root: Path, data: Path, seed: int) -> Path:
    """Write a run folder holding a tokenizer trained on the traces and initial weights."""
    import torch

    from localmodel.model import build_model
    from localmodel.tokenizer.train import train_tokenizer
    from localmodel.train.checkpoint import save_checkpoint
    from localmodel.train.distributed import DistInfo

    base = root / "base"
    base.mkdir(parents=True)
    lines = (data / "traces.jsonl").read_text(encoding="utf-8").splitlines()
    train_tokenizer([json.loads(line)["text"] for line in lines], TINY.vocab_size,
                    base / "tokenizer.json")
    TINY.save(base / "config.json")
    model = build_model(TINY, seed=seed)
    optimizer = torch.optim.AdamW(model.parameters())
    save_checkpoint(base, 0, model, optimizer, {}, DistInfo(0, 0, 1, torch.device("cpu")))
    return base


def stage_recipe(stage: str, data_dir: Path, seed: int, **changes: dict[str, Any]):  # noqa: ANN201
    from localmodel.posttrain.recipe import posttrain_recipe_from_dict

    raw: dict[str, Any] = {"stage": stage, "seed": seed,
                           "data": {"train": [str(data_dir / "train.jsonl")],
                                    "heldout": [str(data_dir / "heldout.jsonl")], "max_len": 256},
                           "eval": dict(EVAL)}
    for source in (STAGES[stage], changes):
        for section, values in source.items():
            raw[section] = {**raw.get(section, {}), **values}
    return posttrain_recipe_from_dict(raw, f"tiny {stage} recipe")


def evaluate(run: Path, data: Path, seed: int, families: tuple[str, ...] = ()) -> dict[str, Any]:
    """Evaluate on held-out data; only the all-family evaluation is written to ``eval.json``."""
    from localmodel.data.synthetic.records import read_records
    from localmodel.eval.chat_eval import evaluate_run_dir
    from localmodel.posttrain.recipe import EvalConfig

    records = read_records(data / "heldout.jsonl")
    # A single family gets twice the items, so its smaller changes stand out of the noise.
    settings = {**EVAL, "items": EVAL["items"] * 2} if families else EVAL
    return evaluate_run_dir(run, records, EvalConfig(**settings, families=families), seed,
                            write=not families)


def run_pipeline(root: Path, seed: int = 1) -> Pipeline:
    import torch

    from localmodel.posttrain.run import run_stage

    torch.set_num_threads(1)
    data = make_data(root, seed)
    base = make_base(root, data, seed)
    evals = {"base": evaluate(base, data, seed)}
    runs, source = {}, base
    for stage in ("sft", "dpo", "grpo"):
        runs[stage] = root / stage
        summary = run_stage(stage_recipe(stage, data, seed), source, runs[stage], device="cpu",
                            export=stage == "grpo")
        evals[stage] = summary["eval"]
        source = runs[stage]
    # GRPO trains on the JSON family only, so its reward is compared on held-out JSON prompts.
    for stage in ("dpo", "grpo"):
        evals[f"{stage}/json"] = evaluate(runs[stage], data, seed, families=GRPO_FAMILIES)
    return Pipeline(root, data, base, runs, evals)


KEYS = ("template_rate", "rollout_gain", "json_parse_rate", "reward_mean", "sampled_reward", "pref_margin",
        "pref_accuracy", "sampled_length_no_think_mean", "length_no_think_mean")

if __name__ == "__main__":
    import logging
    import time

    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    result = run_pipeline(Path(sys.argv[1]), int(sys.argv[2]))
    print(f"seed {sys.argv[2]}: {time.perf_counter() - started:.0f} s")
    from localmodel.train.metrics import read_metrics

    rewards = [r["reward"] for r in read_metrics(result.runs["grpo"] / "metrics.jsonl")]
    third = len(rewards) // 3
    result.evals["grpo"]["rollout_gain"] = (sum(rewards[-third:]) - sum(rewards[:third])) / third
    for name, ev in result.evals.items():
        print(name, {k: round(ev[k], 3) for k in KEYS if k in ev})
