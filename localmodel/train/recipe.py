"""Recipes: TOML files naming a model, a corpus, data stages, a schedule and a budget.

Unknown keys are errors that name the key and the file, so a typo cannot silently fall back
to a default.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localmodel.config import ModelConfig, get_preset
from localmodel.data.corpus import SourceSpec, default_sources
from localmodel.data.mixture import Mixture, mixture_from_dicts, uniform_mixture
from specify.errors import ConfigError

RECIPES_DIR = Path(__file__).resolve().parent.parent / "recipes"


@dataclass(frozen=True)
class DataConfig:
    sources: tuple[SourceSpec, ...] = ()  # empty means the default corpus
    seq_len: int = 256
    val_fraction: float = 0.02
    max_docs_per_source: int | None = None
    doc_masking: bool = True  # intra-document attention and per-document positions
    vocab_size: int = 2048  # tokenizer size when the run trains its own tokenizer


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and budget. Token counts are global, over all processes."""

    max_steps: int = 200
    global_batch: int = 32  # sequences per optimizer step, split over processes and micro-steps
    micro_batch: int = 8  # sequences per forward pass per process
    lr: float = 3e-3
    min_lr_ratio: float = 0.0  # final learning rate as a fraction of lr
    schedule: str = "wsd"  # "wsd" or "cosine"
    warmup_steps: int = 20
    decay_fraction: float = 0.2  # WSD: the last part of training that decays linearly
    weight_decay: float = 0.1  # matrices only; embeddings and norms get none
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-8
    grad_clip: float = 1.0
    z_loss: float = 0.0  # coefficient; nanotron's default is 1e-4, SmolLM3 ran without
    parallel: str = "ddp"  # "ddp" or "fsdp" when run under torchrun
    sharded_init: bool = False  # FSDP: initialise each shard on its rank (seed + rank)
    compile: bool = False
    eval_every: int = 50
    eval_windows: int = 32
    checkpoint_every: int = 100
    log_every: int = 10
    spike_factor: float = 2.0  # flag a step whose loss exceeds this x the running mean
    peak_tflops: float | None = None  # per device; None picks a default for the device


@dataclass(frozen=True)
class Recipe:
    name: str
    model: ModelConfig
    data: DataConfig
    train: TrainConfig
    mixture: Mixture | None = None  # None: uniform over the dataset's sources
    seed: int = 1234
    source_file: str = ""

    def mixture_for(self, sources: list[str]) -> Mixture:
        return self.mixture or uniform_mixture(sources)

    def data_sources(self) -> list[SourceSpec]:
        return list(self.data.sources) or default_sources()

    def with_changes(self, model: dict[str, Any] | None = None, train: dict[str, Any] | None = None,
                     data: dict[str, Any] | None = None, seed: int | None = None) -> Recipe:
        return dataclasses.replace(
            self,
            model=_replace(self.model, model or {}, "model"),
            train=_replace(self.train, train or {}, "train"),
            data=_replace(self.data, data or {}, "data"),
            seed=self.seed if seed is None else seed,
        )


def recipe_path_for_preset(name: str) -> Path:
    return RECIPES_DIR / get_preset(name).recipe


def load_recipe(path: Path) -> Recipe:
    if not path.is_file():
        raise ConfigError(f"Recipe {path} does not exist.",
                          f"Use a file under {RECIPES_DIR} or pass --preset.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Recipe {path} is not valid TOML: {exc}.") from exc
    return recipe_from_dict(raw, str(path))


def recipe_from_dict(raw: dict[str, Any], where: str) -> Recipe:
    _check_keys(raw, {"name", "seed", "model", "data", "train", "stages"}, where)
    model_raw = dict(raw.get("model", {}))
    preset = model_raw.pop("preset", None)
    base = get_preset(preset).model if preset else ModelConfig()
    model = _replace(base, model_raw, f"[model] of {where}")

    data_raw = dict(raw.get("data", {}))
    sources = tuple(_source(s, where) for s in data_raw.pop("sources", []))
    data = _replace(DataConfig(), data_raw, f"[data] of {where}")
    data = dataclasses.replace(data, sources=sources)
    train = _replace(TrainConfig(), dict(raw.get("train", {})), f"[train] of {where}")
    _check_train(train, where)
    mixture = mixture_from_dicts(raw["stages"], where) if raw.get("stages") else None
    return Recipe(str(raw.get("name", Path(where).stem)), model, data, train, mixture,
                  int(raw.get("seed", 1234)), where)


def _source(raw: dict[str, Any], where: str) -> SourceSpec:
    _check_keys(raw, {"name", "path", "lang", "suffixes", "exclude_dirs", "text_field"},
                f"[[data.sources]] of {where}")
    if "name" not in raw or "path" not in raw:
        raise ConfigError(f"A [[data.sources]] entry in {where} needs name and path.")
    values = dict(raw, path=Path(raw["path"]).expanduser())
    for key in ("suffixes", "exclude_dirs"):
        if key in values:
            values[key] = tuple(values[key])
    return SourceSpec(**values)


def _check_train(train: TrainConfig, where: str) -> None:
    if train.schedule not in ("wsd", "cosine"):
        raise ConfigError(f"schedule '{train.schedule}' in {where} is invalid.",
                          "Use 'wsd' or 'cosine'.")
    if train.parallel not in ("ddp", "fsdp"):
        raise ConfigError(f"parallel '{train.parallel}' in {where} is invalid.",
                          "Use 'ddp' or 'fsdp'.")
    if train.global_batch % train.micro_batch:
        raise ConfigError(f"global_batch {train.global_batch} in {where} is not a multiple of "
                          f"micro_batch {train.micro_batch}.")


def _check_keys(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ConfigError(f"Unknown key(s) {', '.join(unknown)} in {where}.",
                          f"Valid keys: {', '.join(sorted(allowed))}.")


def _replace(obj: Any, changes: dict[str, Any], where: str) -> Any:
    known = {f.name for f in dataclasses.fields(obj)}
    _check_keys(changes, known, where)
    try:
        return dataclasses.replace(obj, **changes)
    except TypeError as exc:
        raise ConfigError(f"Invalid value in {where}: {exc}.") from exc
