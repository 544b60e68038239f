"""The shipped post-training recipes load, and their errors name the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from localmodel.posttrain.recipe import load_posttrain_recipe, posttrain_recipe_from_dict, recipe_path
from specify.errors import ConfigError


@pytest.mark.parametrize("stage", ["sft", "dpo", "grpo"])
def test_shipped_stage_recipe_loads(stage: str) -> None:
    assert load_posttrain_recipe(recipe_path(stage)).stage == stage


def test_midtrain_recipe_adds_default_sources(tmp_path: Path) -> None:
    from localmodel.config import ModelConfig
    from localmodel.posttrain.midtrain import midtrain_recipe
    from localmodel.train.recipe import load_recipe

    ModelConfig(vocab_size=512, hidden_size=64).save(tmp_path / "config.json")
    traces = tmp_path / "traces.jsonl"
    recipe = midtrain_recipe(load_recipe(recipe_path("midtrain")), tmp_path, traces)
    names = {source.name for source in recipe.data.sources}
    assert names == {"reasoning", "stdlib", "templates"}
    assert recipe.model.hidden_size == 64
    assert next(s for s in recipe.data.sources if s.name == "reasoning").path == traces.resolve()


def test_unknown_key_names_file() -> None:
    with pytest.raises(ConfigError, match=r"Unknown key\(s\) beta in \[grpo\] of my.toml"):
        posttrain_recipe_from_dict({"stage": "grpo", "grpo": {"beta": 0.1}}, "my.toml")


def test_invalid_preference_loss_rejected() -> None:
    with pytest.raises(ConfigError, match="'hinge'"):
        posttrain_recipe_from_dict({"stage": "dpo", "dpo": {"loss": "hinge"}}, "my.toml")
