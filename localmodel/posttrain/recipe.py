"""Post-training recipes: one TOML file per stage, with the optimiser fields of pretraining.

``[train]`` takes the fields of ``localmodel.train.recipe.TrainConfig``. Its batch counts
packed rows for SFT, pairs for DPO and prompts for GRPO (each sampled ``group_size``
times). The dataclasses below describe ``[data]``, ``[dpo]``, ``[grpo]`` and ``[eval]``. Unknown keys
are errors that name the key and the file.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localmodel.train.recipe import RECIPES_DIR, TrainConfig, _check_keys, _replace
from specify.errors import ConfigError

STAGES = ("sft", "dpo", "grpo")


@dataclass(frozen=True)
class ChatDataConfig:
    train: tuple[str, ...] = ()  # chat JSONL files; the command line can add more
    heldout: tuple[str, ...] = ()
    max_len: int = 512  # tokens per packed SFT row and per DPO or GRPO sequence
    families: tuple[str, ...] = ()  # keep only these task families (empty keeps all)


@dataclass(frozen=True)
class DPOConfig:
    loss: str = "sigmoid"  # "sigmoid" (DPO) or "apo_zero"
    beta: float = 0.1  # scale of the implicit reward beta * (log pi - log pi_ref)
    pairs_per_record: int = 1  # corrupted replies drawn per correct one


@dataclass(frozen=True)
class GRPOConfig:
    group_size: int = 8  # samples per prompt
    max_new_tokens: int = 64  # hard limit of a completion, in tokens
    overlong_buffer: int = 16  # the penalty rises from 0 to -1 over the last this many tokens
    no_think_max_tokens: int = 32  # the limit for no-think prompts (the buffer applies too)
    temperature: float = 1.0
    top_p: float = 1.0
    kl_coef: float = 0.0  # weight of the k3 KL estimate to the reference; 0 turns it off
    think_in_no_think_penalty: float = 1.0  # subtracted when a no-think reply opens <think>
    require_template: bool = True  # score 0 for a reply that does not follow the template


@dataclass(frozen=True)
class EvalConfig:
    items: int = 64  # held-out records per family and mode
    max_new_tokens: int = 128
    families: tuple[str, ...] = ()
    samples: int = 4  # completions per item sampled at temperature 1 (0 skips)


@dataclass(frozen=True)
class PostTrainRecipe:
    name: str
    stage: str
    data: ChatDataConfig
    train: TrainConfig
    dpo: DPOConfig = field(default_factory=DPOConfig)
    grpo: GRPOConfig = field(default_factory=GRPOConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    seed: int = 1234
    source_file: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out.pop("source_file")
        out["train"] = {k: v for k, v in out["train"].items() if v is not None}
        return out

    def with_changes(self, **sections: dict[str, Any]) -> PostTrainRecipe:
        changes = {name: _replace(getattr(self, name), values, f"[{name}]")
                   for name, values in sections.items() if values}
        return dataclasses.replace(self, **changes)


def recipe_path(stage: str) -> Path:
    return RECIPES_DIR / f"posttrain-{stage}.toml"


def load_posttrain_recipe(path: Path) -> PostTrainRecipe:
    if not path.is_file():
        raise ConfigError(f"Recipe {path} does not exist.",
                          f"Use a posttrain-*.toml file under {RECIPES_DIR}.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Recipe {path} is not valid TOML: {exc}.") from exc
    return posttrain_recipe_from_dict(raw, str(path))


def posttrain_recipe_from_dict(raw: dict[str, Any], where: str) -> PostTrainRecipe:
    _check_keys(raw, {"name", "stage", "seed", "data", "train", "dpo", "grpo", "eval"}, where)
    stage = raw.get("stage")
    if stage not in STAGES:
        raise ConfigError(f"stage {stage!r} in {where} is invalid.", f"Use one of: {', '.join(STAGES)}.")
    sections: dict[str, Any] = {}
    for name, cls in (("data", ChatDataConfig), ("dpo", DPOConfig), ("grpo", GRPOConfig),
                      ("eval", EvalConfig)):
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.get(name, {}).items()}
        sections[name] = _replace(cls(), values, f"[{name}] of {where}")
    train = _replace(TrainConfig(), dict(raw.get("train", {})), f"[train] of {where}")
    if train.global_batch % train.micro_batch:
        raise ConfigError(f"global_batch {train.global_batch} in {where} is not a multiple of "
                          f"micro_batch {train.micro_batch}.")
    if sections["dpo"].loss not in ("sigmoid", "apo_zero"):
        raise ConfigError(f"[dpo] loss {sections['dpo'].loss!r} in {where} is invalid.",
                          "Use 'sigmoid' or 'apo_zero'.")
    return PostTrainRecipe(str(raw.get("name", Path(where).stem)), stage, train=train,
                           seed=int(raw.get("seed", 1234)), source_file=where, **sections)
