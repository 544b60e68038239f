"""Run one post-training stage end to end: data, base weights, the loop, evaluation and export.

For ``python -m localmodel.posttrain.run`` and ``torchrun -m localmodel.posttrain.run``; the
``specify model sft|dpo|grpo`` commands call ``run_stage`` in one process.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

import torch

from localmodel.posttrain.recipe import PostTrainRecipe
from localmodel.train.distributed import DistInfo

logger = logging.getLogger(__name__)

GGUF_FILE = "model.gguf"


def load_chat_records(recipe: PostTrainRecipe, split: str, extra: list[Path]):  # noqa: ANN201
    """Read the recipe's files of ``split`` ("train" or "heldout") plus ``extra``."""
    from localmodel.data.synthetic.records import read_many
    from specify.errors import ConfigError

    paths = [Path(p) for p in getattr(recipe.data, split)] + list(extra)
    if not paths:
        raise ConfigError(f"No {split} data was given.",
                          f"Pass --{'data' if split == 'train' else 'heldout'} FILE.jsonl "
                          "(make one with: specify model data synth --out DIR).")
    records = read_many(paths)
    # Held-out data stays whole so every stage is evaluated on the same items.
    if recipe.data.families and split == "train":
        records = [r for r in records if r.family in recipe.data.families]
    return records


def stop_ids_for(tokenizer, eos_id: int) -> set[int]:  # noqa: ANN001
    from localmodel.chat_template import IM_END

    return {i for i in (eos_id, tokenizer.token_to_id(IM_END)) if i is not None}


def build_stage(recipe: PostTrainRecipe, records, tokenizer, info: DistInfo, run_dir: Path,  # noqa: ANN001
                base: Path, config) -> Any:  # noqa: ANN001
    """Return the stage object for ``recipe.stage``; DPO and KL-regularised GRPO load a reference."""
    from localmodel.posttrain.trainer import load_policy

    pad = config.pad_token_id
    if recipe.stage == "sft":
        from localmodel.posttrain.sft import SFTStage

        return SFTStage(records, tokenizer, recipe, info, pad)
    needs_reference = recipe.stage == "dpo" or recipe.grpo.kl_coef > 0
    reference = None
    if needs_reference:
        reference = load_policy(base, info.device)[0].eval().requires_grad_(False)
    if recipe.stage == "dpo":
        from localmodel.posttrain.dpo import DPOStage
        from localmodel.posttrain.pairs import build_pairs

        pairs = build_pairs(records, recipe.seed, recipe.dpo.pairs_per_record)
        return DPOStage(pairs, tokenizer, recipe, info, pad, run_dir, reference)
    from localmodel.posttrain.grpo import GRPOStage

    return GRPOStage(records, tokenizer, recipe, info, pad,
                     stop_ids_for(tokenizer, config.eos_token_id), reference)


def run_stage(recipe: PostTrainRecipe, base: Path, run_dir: Path, data: list[Path] = (),
              heldout: list[Path] = (), device: str | None = None, evaluate: bool = True,
              export: bool = True, stop_at: int | None = None) -> dict[str, Any]:
    """Train ``recipe`` from ``base`` into ``run_dir`` (resuming), then evaluate and export.

    ``stop_at`` ends the run after that step with a checkpoint and skips evaluation and
    export; the schedule still follows ``max_steps``, so a later call continues the run.
    """
    from localmodel.train.distributed import init_distributed, shutdown_distributed

    info = init_distributed(device)
    try:
        return _run(recipe, base, run_dir, list(data), list(heldout), info, evaluate, export,
                    stop_at)
    finally:
        shutdown_distributed()


def _run(recipe: PostTrainRecipe, base: Path, run_dir: Path, data: list[Path],
         heldout: list[Path], info: DistInfo, evaluate: bool, export: bool,
         stop_at: int | None) -> dict[str, Any]:
    from localmodel.posttrain.trainer import PostTrainLoop, load_policy, prepare_posttrain_run
    from localmodel.tokenizer.train import load_tokenizer
    from localmodel.train.checkpoint import TOKENIZER_FILE

    if info.is_main:
        prepare_posttrain_run(run_dir, recipe, base)
    if info.distributed:
        import torch.distributed as dist

        dist.barrier()
    torch.manual_seed(recipe.seed + info.rank)
    records = load_chat_records(recipe, "train", data)
    tokenizer = load_tokenizer(run_dir / TOKENIZER_FILE)
    model, bundle = load_policy(base, info.device)
    stage = build_stage(recipe, records, tokenizer, info, run_dir, base, bundle.config)
    loop = PostTrainLoop(run_dir, recipe, info, model, stage)
    history = loop.run(stop_at)
    summary: dict[str, Any] = {"run": str(run_dir), "stage": recipe.stage, "steps": len(history),
                               "last": history[-1] if history else {}}
    if not info.is_main or (stop_at and stop_at < recipe.train.max_steps):
        return summary
    if evaluate and (recipe.data.heldout or heldout):
        from localmodel.eval.chat_eval import evaluate_run_dir

        held = load_chat_records(recipe, "heldout", heldout)
        summary["eval"] = evaluate_run_dir(run_dir, held, recipe.eval, recipe.seed)
    if export:
        from localmodel.export.service import export_model

        summary["gguf"] = export_model(run_dir, gguf=run_dir / GGUF_FILE, overwrite=True)["gguf"]
    return summary


def main(argv: list[str] | None = None) -> None:
    from localmodel.posttrain.recipe import load_posttrain_recipe, recipe_path

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("stage", choices=("sft", "dpo", "grpo"))
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--recipe", type=Path)
    parser.add_argument("--data", type=Path, action="append", default=[])
    parser.add_argument("--heldout", type=Path, action="append", default=[])
    parser.add_argument("--max-steps", type=int)
    parser.add_argument("--device")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    recipe = load_posttrain_recipe(args.recipe or recipe_path(args.stage))
    if args.max_steps:
        recipe = recipe.with_changes(train={"max_steps": args.max_steps})
    summary = run_stage(recipe, args.base, args.out, args.data, args.heldout, args.device)
    logger.info("%s", json.dumps(summary, default=str)[:2000])


if __name__ == "__main__":
    main()
