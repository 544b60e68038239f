"""Service functions behind ``specify model data synth|midtrain|sft|dpo|grpo|eval-chat|report``.

Each returns a JSON-ready dictionary; torch and friends are imported only when one runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from specify.errors import UsageError


def data_synth(out: Path, families: list[str], count: int, difficulties: list[int],
               heldout_fraction: float, seed: int) -> dict[str, Any]:
    from localmodel.data.synthetic.generate import GENERATORS, SynthConfig, generate

    names = families or list(GENERATORS)
    unknown = sorted(set(names) - set(GENERATORS))
    if unknown:
        raise UsageError(f"Unknown task family {', '.join(unknown)}.",
                         f"Choose from: {', '.join(GENERATORS)}.")
    if not 0 < heldout_fraction < 1:
        raise UsageError(f"--heldout-fraction {heldout_fraction} must be between 0 and 1.")
    config = SynthConfig(counts={name: count for name in names},
                         difficulties=tuple(difficulties or (1, 2, 3)),
                         heldout_fraction=heldout_fraction, seed=seed)
    return {"out": str(out), **generate(out, config)}


def posttrain(stage: str, base: Path, out: Path, recipe: Path | None, data: list[Path],
              heldout: list[Path], max_steps: int | None, device: str | None,
              evaluate: bool, export: bool) -> dict[str, Any]:
    """Run one SFT, DPO or GRPO stage from ``base`` into ``out``."""
    from localmodel.posttrain.recipe import load_posttrain_recipe, recipe_path
    from localmodel.posttrain.run import run_stage

    loaded = load_posttrain_recipe(recipe or recipe_path(stage))
    if loaded.stage != stage:
        raise UsageError(f"Recipe {loaded.source_file} is a {loaded.stage} recipe, not {stage}.",
                         f"Use specify model {loaded.stage}, or a {stage} recipe.")
    if max_steps:
        loaded = loaded.with_changes(train={"max_steps": max_steps})
    summary = run_stage(loaded, base, out, data, heldout, device, evaluate, export)
    if "eval" in summary:
        summary["eval"] = {k: v for k, v in summary["eval"].items() if k != "samples"}
    return summary


def midtrain(base: Path, out: Path, recipe: Path | None, traces: Path | None,
             max_steps: int | None, device: str | None) -> dict[str, Any]:
    from localmodel.posttrain.midtrain import midtrain as run
    from localmodel.posttrain.recipe import recipe_path
    from localmodel.train.recipe import load_recipe

    loaded = load_recipe(recipe or recipe_path("midtrain"))
    if max_steps:
        loaded = loaded.with_changes(train={"max_steps": max_steps})
    return run(out, loaded, base, traces, device)


def eval_chat(model: Path, heldout: list[Path], out: Path | None, items: int,
              max_new_tokens: int, families: list[str], humaneval: int, gguf: Path | None,
              seed: int, samples: int = 4) -> dict[str, Any]:
    """Evaluate a run or Hugging Face folder on held-out chats (and HumanEval, llama.cpp)."""
    import json

    from localmodel.data.synthetic.records import read_many
    from localmodel.eval.chat_eval import EVAL_FILE, evaluate_run_dir
    from localmodel.posttrain.recipe import EvalConfig
    from specify.fsutil import atomic_write_text

    if not heldout:
        raise UsageError("No held-out data was given.", "Pass --heldout FILE.jsonl.")
    records = read_many(heldout)
    cfg = EvalConfig(items=items, max_new_tokens=max_new_tokens, families=tuple(families),
                     samples=samples)
    result = evaluate_run_dir(model, records, cfg, seed, write=False)
    if humaneval:
        result.update(_humaneval(model, humaneval))
    if gguf is not None:
        from localmodel.eval.chat_eval import select_items
        from localmodel.eval.llamacpp_json import llamacpp_json_validity

        result.update(llamacpp_json_validity(gguf, select_items(records, items), max_new_tokens))
    target = out or model
    target.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target / EVAL_FILE, json.dumps(result, indent=1) + "\n")
    result["written"] = str(target / EVAL_FILE)
    return result


def _humaneval(model: Path, limit: int) -> dict[str, Any]:
    from localmodel.eval.humaneval import humaneval_pass_at_1
    from localmodel.export.source import build_torch_model, load_bundle
    from localmodel.posttrain.run import stop_ids_for
    from localmodel.tokenizer.train import load_tokenizer

    bundle = load_bundle(model)
    tokenizer = load_tokenizer(bundle.tokenizer_path)
    return humaneval_pass_at_1(build_torch_model(bundle), tokenizer,
                               stop_ids_for(tokenizer, bundle.config.eos_token_id), limit)


def report(stages: list[str], out: Path) -> dict[str, Any]:
    """Write the stage comparison for NAME=PATH pairs (a run folder or an eval.json)."""
    from localmodel.eval.report import write_report

    runs = []
    for item in stages:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"Invalid --stage '{item}'.", "Use NAME=PATH, e.g. sft=runs/sft.")
        runs.append((name, Path(path)))
    if not runs:
        raise UsageError("No stage to report.", "Pass --stage NAME=PATH at least once.")
    return write_report(runs, out)
