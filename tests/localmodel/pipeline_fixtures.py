"""Session fixtures for the pipeline tests: a small corpus, tokenizer, dataset and recipe.

The corpus is two packages of the running Python's standard library, so the tests need no
download and no checked-in text. Sizes are tiny so that the whole suite stays in minutes.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("tokenizers")

from localmodel.data.corpus import SourceSpec  # noqa: E402
from localmodel.train.recipe import Recipe, recipe_from_dict  # noqa: E402

STDLIB = Path(os.path.dirname(os.__file__))
VOCAB = 512
SEQ_LEN = 64


@dataclass(frozen=True)
class Pipeline:
    corpus: Path
    sources: tuple[SourceSpec, ...]
    tokenizer: Path
    data: Path
    recipe: Recipe


def tiny_recipe(corpus: Path, **train: object) -> Recipe:
    """Return a recipe for a 4-layer, 64-wide model on ``corpus`` with 6 steps by default."""
    raw = {
        "name": "test-tiny",
        "seed": 5,
        "model": {"preset": "cpu-tiny", "vocab_size": VOCAB, "hidden_size": 64, "n_heads": 4,
                  "n_kv_heads": 2, "ffn_size": 128, "max_seq_len": 256},
        "data": {"seq_len": SEQ_LEN, "vocab_size": VOCAB, "val_fraction": 0.1,
                 "sources": [{"name": "code", "path": str(corpus / "code"), "lang": "python"},
                             {"name": "prose", "path": str(corpus / "prose"), "lang": "en"}]},
        "train": {"max_steps": 6, "global_batch": 8, "micro_batch": 4, "lr": 3e-3,
                  "warmup_steps": 2, "eval_every": 6, "eval_windows": 4,
                  "checkpoint_every": 3, "log_every": 3, **train},
        "stages": [{"name": "stable", "start_step": 0, "weights": {"code": 0.8, "prose": 0.2}},
                   {"name": "decay", "start_step": 4, "weights": {"code": 0.5, "prose": 0.5}}],
    }
    return recipe_from_dict(raw, "test recipe")


def make_corpus(root: Path) -> Path:
    """Copy the stdlib's json package as code and its docstring-rich email package as prose."""
    shutil.copytree(STDLIB / "json", root / "code" / "json",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(STDLIB / "email", root / "code" / "email",
                    ignore=shutil.ignore_patterns("__pycache__", "architecture.rst"))
    prose = root / "prose"
    prose.mkdir(parents=True)
    for module in ("textwrap", "string", "shlex", "fnmatch", "glob", "difflib"):
        doc = __import__(module).__doc__ or ""
        (prose / f"{module}.txt").write_text(doc * 3, encoding="utf-8")
    # An exact duplicate that deduplication must drop.
    shutil.copyfile(prose / "textwrap.txt", prose / "textwrap-copy.txt")
    return root


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    from localmodel.train.run import prepare_run

    torch.set_num_threads(2)
    root = tmp_path_factory.mktemp("pipeline")
    corpus = make_corpus(root / "corpus")
    recipe = tiny_recipe(corpus)
    shared = root / "shared"
    data = prepare_run(shared, recipe)
    return Pipeline(corpus, recipe.data.sources, shared / "tokenizer.json", data, recipe)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]
