"""Service functions behind ``specify model``: each command calls one of these.

They take plain values, raise project errors, and return JSON-ready dictionaries.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from specify.errors import UsageError

logger = logging.getLogger(__name__)


def parse_sources(items: list[str]) -> list:
    """Parse ``NAME=PATH`` or ``NAME=PATH@LANG`` items into source specs (none: the default)."""
    from localmodel.data.corpus import SourceSpec, default_sources

    if not items:
        return default_sources()
    specs = []
    for item in items:
        name, eq, rest = item.partition("=")
        if not eq or not name or not rest:
            raise UsageError(f"Invalid source '{item}'.", "Write NAME=PATH or NAME=PATH@LANG.")
        path, _, lang = rest.partition("@")
        specs.append(SourceSpec(name, Path(path).expanduser(), lang or "und"))
    return specs


def tokenizer_train(out: Path, sources: list[str], vocab_size: int,
                    val_fraction: float = 0.02) -> dict[str, Any]:
    """Train ``out/tokenizer.json`` on the sources' training split; report on the held-out one."""
    from localmodel.data.corpus import is_validation, iter_corpus
    from localmodel.tokenizer.report import tokenizer_report
    from localmodel.tokenizer.train import load_tokenizer, train_tokenizer
    from specify.errors import ArtifactError

    path = out / "tokenizer.json"
    if path.exists():
        raise ArtifactError(f"{path} already exists.", "Choose another --out or delete it.")
    specs = parse_sources(sources)
    train_tokenizer((d.text for d in iter_corpus(specs) if not is_validation(d, val_fraction)),
                    vocab_size, path)
    tok = load_tokenizer(path)
    docs = list(iter_corpus(specs))
    held_out = [d for d in docs if is_validation(d, val_fraction)]
    # Measure on held-out text unless that misses a source (small corpora).
    covered = {d.source for d in held_out} == {d.source for d in docs}
    return {"tokenizer": str(path), "vocab_size": tok.get_vocab_size(),
            "measured_on": "held-out" if covered else "training",
            "report": tokenizer_report(tok, held_out if covered else docs)}


def tokenizer_report_for(tokenizer: Path, sources: list[str]) -> dict[str, Any]:
    from localmodel.data.corpus import iter_corpus
    from localmodel.tokenizer.report import tokenizer_report
    from localmodel.tokenizer.train import load_tokenizer

    return {"tokenizer": str(tokenizer),
            "report": tokenizer_report(load_tokenizer(tokenizer),
                                       iter_corpus(parse_sources(sources)))}


def data_build(tokenizer: Path, out: Path, sources: list[str], seq_len: int,
               val_fraction: float, seed: int) -> dict[str, Any]:
    from localmodel.data.shards import BuildOptions, build_dataset

    options = BuildOptions(seq_len=seq_len, val_fraction=val_fraction, seed=seed)
    index = build_dataset(parse_sources(sources), tokenizer, out, options)
    return {"data": str(out), **index}


def resolve_recipe(recipe: Path | None, preset: str | None, max_steps: int | None):  # noqa: ANN201
    """Load the recipe; ``max_steps`` replaces its step count and caps warmup at a tenth."""
    from localmodel.train.recipe import load_recipe, recipe_path_for_preset

    if recipe and preset:
        raise UsageError("Pass --recipe or --preset, not both.")
    loaded = load_recipe(recipe or recipe_path_for_preset(preset or "cpu-tiny"))
    if not max_steps:
        return loaded
    warmup = min(loaded.train.warmup_steps, max(1, max_steps // 10))
    return loaded.with_changes(train={"max_steps": max_steps, "warmup_steps": warmup})


def model_train(out: Path, recipe: Path | None, preset: str | None, max_steps: int | None,
                tokenizer: Path | None, data: Path | None, device: str | None,
                preflight: bool, window: int = 10,
                threads: int | None = None) -> dict[str, Any]:
    """Train (or resume) a run, or with ``preflight`` only run the pre-flight checks."""
    resolved = resolve_recipe(recipe, preset, max_steps)
    if threads:
        import torch

        torch.set_num_threads(threads)
    if preflight:
        from localmodel.train.preflight import preflight as run_preflight

        return run_preflight(out, resolved, window, tokenizer=tokenizer, data_dir=data)
    from localmodel.train.pretrain import train

    summary = train(out, resolved, tokenizer, data, device)
    summary.pop("losses", None)
    return {"run": str(out), "recipe": resolved.name, **summary}


def model_eval(run_dir: Path, windows: int, items: int) -> dict[str, Any]:
    from localmodel.train.evaluate import evaluate_run

    return {"run": str(run_dir), **evaluate_run(run_dir, windows, items)}


def model_ablate(out: Path, recipe: Path | None, preset: str | None, variants: list[str],
                 seeds: list[int], max_steps: int | None) -> dict[str, Any]:
    from localmodel.ablate import parse_variant, run_ablation

    if not variants:
        raise UsageError("Give at least one --variant.",
                         "For example: --variant nope-off --variant untied.")
    parsed = [parse_variant(v) for v in variants]
    return run_ablation(resolve_recipe(recipe, preset, None), parsed, seeds, out, max_steps)


def model_plan(params: str | None, tokens: str | None, gpu: str, gpus: int, mfu: float | None,
               gpu_hours: float | None, budget: str | None, preset: str | None,
               seq_len: int | None) -> dict[str, Any]:
    from localmodel.plan import compute_optimal, parse_count, plan_run

    result: dict[str, Any] = {}
    if budget:
        result["compute_optimal"] = compute_optimal(parse_count(budget))
    if params or tokens or preset:
        shape: dict[str, Any] = {}
        n_params = parse_count(params) if params else None
        if preset:
            from localmodel.config import get_preset

            p = get_preset(preset)
            n_params = n_params or p.model.n_params()
            shape = {"n_layers": p.model.n_layers, "hidden_size": p.model.hidden_size,
                     "seq_len": seq_len or p.seq_len}
        if n_params is None or not tokens:
            raise UsageError("Planning a run needs --params (or --preset) and --tokens.")
        plan = plan_run(n_params, parse_count(tokens), gpu, gpus, mfu, gpu_hours, **shape)
        result["plan"] = plan.to_dict()
    if not result:
        raise UsageError("Nothing to plan.", "Pass --params and --tokens, or --budget FLOPS.")
    return result
