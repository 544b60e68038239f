"""Load the model to export: weights with SmolLM3 state-dict names, its config and tokenizer.

Two layouts are accepted: a training run folder written by ``localmodel.train`` and a
Hugging Face folder (``config.json``, ``model.safetensors``, ``tokenizer.json``), such as
the one ``export_hf`` writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localmodel.config import ModelConfig
from specify.errors import ArtifactError, ConfigError

if TYPE_CHECKING:
    import torch

TOKENIZER_FILE = "tokenizer.json"


@dataclass
class ModelBundle:
    """Everything an exporter needs from one trained model."""

    config: ModelConfig
    state_dict: dict[str, torch.Tensor]  # SmolLM3ForCausalLM names, float tensors on CPU
    tokenizer_path: Path  # a Hugging Face tokenizer.json
    name: str
    source: Path


def load_bundle(path: Path) -> ModelBundle:
    """Load the model at ``path``, a run folder or a Hugging Face folder."""
    path = Path(path)
    if not path.is_dir():
        raise ArtifactError(f"Model folder {path} does not exist.",
                            "Pass a training run folder or a Hugging Face model folder.")
    if (path / "config.json").is_file() and (path / "model.safetensors").is_file():
        return _load_hf_folder(path)
    return _load_run_folder(path)


def _load_hf_folder(path: Path) -> ModelBundle:
    from safetensors.torch import load_file

    hf_config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    _check_hf_config(hf_config, path / "config.json")
    config = ModelConfig.from_hf_dict(hf_config)
    state_dict = load_file(str(path / "model.safetensors"))
    if config.tie_embeddings:
        state_dict.pop("lm_head.weight", None)
    return ModelBundle(config, state_dict, _tokenizer_in(path), path.name, path)


def _check_hf_config(hf: dict[str, Any], path: Path) -> None:
    """Raise ConfigError for SmolLM3 options that our model and the exporters do not have."""
    unsupported = {
        "model_type": (hf.get("model_type", "smollm3") != "smollm3", "is not smollm3"),
        "hidden_act": (hf.get("hidden_act", "silu") != "silu", "is not silu"),
        "use_sliding_window": (bool(hf.get("use_sliding_window")), "is on"),
        "attention_bias": (bool(hf.get("attention_bias")), "is on"),
        "mlp_bias": (bool(hf.get("mlp_bias")), "is on"),
        "rope_parameters": (
            (hf.get("rope_parameters") or {}).get("rope_type", "default") != "default",
            "asks for RoPE scaling",
        ),
    }
    for key, (bad, why) in unsupported.items():
        if bad:
            raise ConfigError(f"{path}: {key} {why}, which this exporter does not support.",
                              "Export a SmolLM3 model with the default options for that key.")


def _load_run_folder(path: Path) -> ModelBundle:
    from localmodel.train.checkpoint import load_for_export

    config, state_dict, tokenizer_path = load_for_export(path)
    return ModelBundle(config, state_dict, tokenizer_path, path.name, path)


def _tokenizer_in(path: Path) -> Path:
    tokenizer = path / TOKENIZER_FILE
    if not tokenizer.is_file():
        raise ArtifactError(f"Tokenizer {tokenizer} does not exist.",
                            "Copy the tokenizer.json the model was trained with into the folder.")
    return tokenizer


def build_torch_model(bundle: ModelBundle) -> torch.nn.Module:
    """Return our ``SmolLM3ForCausalLM`` holding the bundle's weights, in eval mode."""
    from localmodel.model import SmolLM3ForCausalLM

    model = SmolLM3ForCausalLM(bundle.config, attn_backend="sdpa")
    state = dict(bundle.state_dict)
    if bundle.config.tie_embeddings:
        state["lm_head.weight"] = state["model.embed_tokens.weight"]
    model.load_state_dict(state)
    return model.eval()
