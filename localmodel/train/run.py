"""Prepare a run folder: the resolved recipe, the model config, the tokenizer and the data.

A run folder contains ``recipe.json`` (the recipe with every default filled in),
``config.json`` (ModelConfig), ``tokenizer.json``, ``run.json`` (where the data is), the
``checkpoints/`` folder, ``metrics.jsonl`` and ``loss.png``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
from pathlib import Path
from typing import Any

from localmodel.train.checkpoint import CONFIG_FILE, TOKENIZER_FILE
from localmodel.train.recipe import Recipe, recipe_from_dict
from specify.errors import ConfigError
from specify.fsutil import atomic_write_text

logger = logging.getLogger(__name__)

RECIPE_FILE = "recipe.json"
RUN_FILE = "run.json"


def recipe_to_dict(recipe: Recipe) -> dict[str, Any]:
    data = dataclasses.asdict(recipe.data)
    data["sources"] = [dict(dataclasses.asdict(s), path=str(s.path)) for s in recipe.data.sources]
    out: dict[str, Any] = {"name": recipe.name, "seed": recipe.seed,
                           "model": recipe.model.to_dict(), "data": data,
                           "train": dataclasses.asdict(recipe.train)}
    if data["max_docs_per_source"] is None:
        del data["max_docs_per_source"]
    if recipe.train.peak_tflops is None:
        del out["train"]["peak_tflops"]
    if recipe.mixture is not None:
        out["stages"] = [dataclasses.asdict(s) for s in recipe.mixture.stages]
    return out


def load_run_recipe(run_dir: Path) -> Recipe:
    path = run_dir / RECIPE_FILE
    if not path.is_file():
        raise ConfigError(f"{run_dir} is not a training run (no {RECIPE_FILE}).",
                          "Pass the --out folder of specify model train.")
    return recipe_from_dict(json.loads(path.read_text(encoding="utf-8")), str(path))


def run_data_dir(run_dir: Path) -> Path:
    return Path(json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))["data_dir"])


def prepare_run(run_dir: Path, recipe: Recipe, tokenizer: Path | None = None,
                data_dir: Path | None = None) -> Path:
    """Write the run's recipe, config and tokenizer, and build its data unless given.

    A folder that already has a recipe is a run to resume: its recipe must match.
    """
    from localmodel.data.shards import BuildOptions, build_dataset

    run_dir.mkdir(parents=True, exist_ok=True)
    requested = json.loads(json.dumps(recipe_to_dict(recipe)))  # tuples become lists, as on disk
    existing = run_dir / RECIPE_FILE
    if existing.is_file():
        found = json.loads(existing.read_text(encoding="utf-8"))
        if {k: v for k, v in found.items() if k != "train"} != \
                {k: v for k, v in requested.items() if k != "train"}:
            raise ConfigError(f"Run folder {run_dir} contains a different recipe.",
                              "Use a new --out folder, or the same recipe to resume.")
        return run_data_dir(run_dir)

    tok_path = run_dir / TOKENIZER_FILE
    if tokenizer is not None:
        shutil.copyfile(tokenizer, tok_path)
    else:
        train_run_tokenizer(recipe, tok_path)
    if data_dir is None:
        data_dir = run_dir / "data"
        options = BuildOptions(seq_len=recipe.data.seq_len,
                               val_fraction=recipe.data.val_fraction, seed=recipe.seed,
                               max_docs_per_source=recipe.data.max_docs_per_source)
        build_dataset(recipe.data_sources(), tok_path, data_dir, options)
    _check_vocab(recipe, tok_path)
    recipe.model.save(run_dir / CONFIG_FILE)
    atomic_write_text(run_dir / RUN_FILE, json.dumps({"data_dir": str(data_dir.resolve())}) + "\n")
    atomic_write_text(existing, json.dumps(requested, indent=2) + "\n")
    return data_dir


def train_run_tokenizer(recipe: Recipe, out: Path) -> Path:
    """Train the run's tokenizer on the training split of the recipe's corpus."""
    from localmodel.data.corpus import is_validation, iter_corpus
    from localmodel.tokenizer.train import train_tokenizer

    limit = recipe.data.max_docs_per_source
    counts: dict[str, int] = {}

    def texts():  # noqa: ANN202
        for doc in iter_corpus(recipe.data_sources()):
            counts[doc.source] = counts.get(doc.source, 0) + 1
            if limit and counts[doc.source] > limit:
                continue
            if not is_validation(doc, recipe.data.val_fraction):
                yield doc.text

    logger.info("training a %d-token tokenizer", recipe.data.vocab_size)
    return train_tokenizer(texts(), recipe.data.vocab_size, out)


def _check_vocab(recipe: Recipe, tok_path: Path) -> None:
    from localmodel.tokenizer.train import load_tokenizer

    size = load_tokenizer(tok_path).get_vocab_size()
    if size > recipe.model.vocab_size:
        raise ConfigError(f"The tokenizer has {size} tokens but the model only "
                          f"{recipe.model.vocab_size} embeddings.",
                          "Raise model.vocab_size or lower data.vocab_size.")
