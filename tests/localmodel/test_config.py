"""ModelConfig: validation, presets and the SmolLM3Config mapping."""

from __future__ import annotations

import pytest

from localmodel.config import PRESETS, ModelConfig, get_preset
from specify.errors import ConfigError


def test_hf_round_trip_keeps_config() -> None:
    cfg = ModelConfig(n_layers=8, n_kv_heads=1, rope_theta=1e5, tie_embeddings=False)
    assert ModelConfig.from_hf_dict(cfg.to_hf_dict()) == cfg


def test_hf_dict_marks_nope_layers() -> None:
    hf = ModelConfig(n_layers=8).to_hf_dict()
    assert hf["no_rope_layers"] == [1, 1, 1, 0, 1, 1, 1, 0]
    assert hf["no_rope_layer_interval"] == 4
    assert hf["rope_parameters"]["rope_theta"] == 50_000.0


def test_nope_off_maps_to_all_rope() -> None:
    cfg = ModelConfig(no_rope_interval=0)
    assert cfg.to_hf_dict()["no_rope_layers"] == [1, 1, 1, 1]
    assert ModelConfig.from_hf_dict(cfg.to_hf_dict()).no_rope_interval == 0


def test_transformers_config_round_trip() -> None:
    transformers = pytest.importorskip("transformers")
    cfg = get_preset("cpu-tiny").model
    hf = transformers.SmolLM3Config(**cfg.to_hf_dict())
    assert ModelConfig.from_hf_dict(hf.to_dict()) == cfg
    assert hf.no_rope_layers == cfg.no_rope_layers()


def test_irregular_nope_layers_rejected() -> None:
    with pytest.raises(ConfigError, match="no fixed NoPE interval"):
        ModelConfig.from_hf_dict({"num_hidden_layers": 4, "no_rope_layers": [1, 0, 1, 1]})


def test_qk_norm_cannot_become_smollm3() -> None:
    with pytest.raises(ConfigError, match="QK-norm"):
        ModelConfig(qk_norm=True).to_hf_dict()


@pytest.mark.parametrize("changes, message", [
    ({"hidden_size": 130}, "multiple of n_heads"),
    ({"n_kv_heads": 3}, "multiple of n_kv_heads"),
    ({"no_rope_interval": -1}, "no_rope_interval"),
])
def test_invalid_shapes_rejected(changes: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ModelConfig(**changes)


@pytest.mark.parametrize("name, low, high", [
    ("cpu-tiny", 0.8e6, 1.5e6),
    ("gpu-45m", 40e6, 50e6),
    ("smollm2-135m", 130e6, 140e6),
    ("smollm3-3b", 3.05e9, 3.10e9),
])
def test_preset_parameter_counts(name: str, low: float, high: float) -> None:
    assert low <= PRESETS[name].model.n_params() <= high


def test_smollm3_preset_published_shape() -> None:
    cfg = get_preset("smollm3-3b").model
    shape = (cfg.n_layers, cfg.hidden_size, cfg.n_heads, cfg.n_kv_heads, cfg.ffn_size,
             cfg.vocab_size)
    assert shape == (36, 2048, 16, 4, 11008, 128256)


def test_parameter_count_matches_model() -> None:
    torch = pytest.importorskip("torch")
    from localmodel.model import build_model

    for cfg in (ModelConfig(), ModelConfig(tie_embeddings=False, qk_norm=True)):
        model = build_model(cfg)
        assert cfg.n_params() == sum(p.numel() for p in model.parameters())
    assert torch.get_num_threads() >= 1


def test_unknown_preset_names_choices() -> None:
    with pytest.raises(ConfigError, match="cpu-tiny"):
        get_preset("gpu-9000")


def test_config_file_rejects_unknown_key(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "config.json"
    path.write_text('{"hidden": 64}')
    with pytest.raises(ConfigError, match="hidden"):
        ModelConfig.load(path)
