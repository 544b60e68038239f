"""Model configuration for the SmolLM3-style decoder, its presets and the SmolLM3Config mapping.

``ModelConfig`` describes one model shape. ``to_hf_dict`` and ``from_hf_dict`` convert it to
and from the keyword arguments of transformers' ``SmolLM3Config``, whose state-dict names our
model uses, so a checkpoint of ours loads in transformers and the other way round.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from specify.errors import ConfigError

# Fields of SmolLM3Config (transformers 5.25) that map one to one onto ours.
_HF_DIRECT = {
    "vocab_size": "vocab_size",
    "hidden_size": "hidden_size",
    "intermediate_size": "ffn_size",
    "num_hidden_layers": "n_layers",
    "num_attention_heads": "n_heads",
    "num_key_value_heads": "n_kv_heads",
    "rms_norm_eps": "rms_eps",
    "max_position_embeddings": "max_seq_len",
    "initializer_range": "init_std",
    "tie_word_embeddings": "tie_embeddings",
    "bos_token_id": "bos_token_id",
    "eos_token_id": "eos_token_id",
    "pad_token_id": "pad_token_id",
}


@dataclass(frozen=True)
class ModelConfig:
    """The shape and options of one decoder.

    Layer ``i`` (0-based) has no RoPE when ``(i + 1) % no_rope_interval == 0``; an interval of
    0 applies RoPE in every layer. llama.cpp's ``smollm3`` architecture hard-codes 4.
    """

    vocab_size: int = 2048
    hidden_size: int = 128
    n_layers: int = 4
    n_heads: int = 4
    n_kv_heads: int = 2  # n_heads for MHA, 1 for MQA
    ffn_size: int = 384  # SwiGLU inner width
    rope_theta: float = 50_000.0
    no_rope_interval: int = 4
    tie_embeddings: bool = True
    qk_norm: bool = False  # per-head RMSNorm on queries and keys (not in SmolLM3)
    rms_eps: float = 1e-6
    max_seq_len: int = 4096  # positions RoPE is trained for
    init_std: float = 0.02
    bos_token_id: int = 0
    eos_token_id: int = 1
    pad_token_id: int = 4

    def __post_init__(self) -> None:
        checks = [
            (self.hidden_size % self.n_heads == 0, "hidden_size must be a multiple of n_heads"),
            (self.n_kv_heads >= 1, "n_kv_heads must be at least 1"),
            (self.n_heads % self.n_kv_heads == 0, "n_heads must be a multiple of n_kv_heads"),
            (self.head_dim % 2 == 0, "head_dim (hidden_size / n_heads) must be even for RoPE"),
            (self.no_rope_interval >= 0, "no_rope_interval must be 0 (off) or positive"),
            (self.vocab_size > 0 and self.n_layers > 0, "vocab_size and n_layers must be positive"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(f"Invalid model config: {message} (got {self.describe()}).")

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.n_heads

    def uses_rope(self, layer: int) -> bool:
        """Return whether layer ``layer`` (0-based) applies RoPE."""
        if self.no_rope_interval == 0:
            return True
        return (layer + 1) % self.no_rope_interval != 0

    def describe(self) -> str:
        return (
            f"vocab {self.vocab_size}, hidden {self.hidden_size}, layers {self.n_layers}, "
            f"heads {self.n_heads}/{self.n_kv_heads}, ffn {self.ffn_size}"
        )

    def replace(self, **changes: Any) -> ModelConfig:
        return dataclasses.replace(self, **changes)

    # Parameter counts, used by the planner and the MFU estimate.

    def n_params(self, include_embedding: bool = True) -> int:
        """Count parameters; a tied head is counted once."""
        h, d = self.hidden_size, self.head_dim
        attn = h * self.n_heads * d * 2 + h * self.n_kv_heads * d * 2
        mlp = 3 * h * self.ffn_size
        norms = 2 * h + (2 * d if self.qk_norm else 0)
        body = self.n_layers * (attn + mlp + norms) + h
        if not include_embedding:
            return body
        head = 0 if self.tie_embeddings else self.vocab_size * h
        return body + self.vocab_size * h + head

    def flops_per_token(self, seq_len: int) -> float:
        """Training FLOPs per token: 6 x matmul parameters plus the attention term 12 L H T.

        The output projection counts as a matmul even when tied to the embedding; the
        embedding lookup does not. Causal masking halves the real attention work, which this
        standard estimate (PaLM appendix B) does not subtract.
        """
        matmul = self.n_params(include_embedding=False) + self.vocab_size * self.hidden_size
        return 6.0 * matmul + 12.0 * self.n_layers * self.hidden_size * seq_len

    # SmolLM3Config mapping.

    def no_rope_layers(self) -> list[int]:
        """Return SmolLM3Config's ``no_rope_layers``: 1 where a layer uses RoPE, 0 where not."""
        return [int(self.uses_rope(i)) for i in range(self.n_layers)]

    def to_hf_dict(self) -> dict[str, Any]:
        """Return keyword arguments for ``transformers.SmolLM3Config``.

        Raises ConfigError for QK-norm, which SmolLM3 cannot represent.
        """
        if self.qk_norm:
            raise ConfigError(
                "This model uses QK-norm, which SmolLM3Config cannot represent.",
                "Train with qk_norm = false to export to transformers or llama.cpp.",
            )
        out: dict[str, Any] = {hf: getattr(self, ours) for hf, ours in _HF_DIRECT.items()}
        out.update(
            model_type="smollm3",
            architectures=["SmolLM3ForCausalLM"],
            hidden_act="silu",
            rope_parameters={"rope_type": "default", "rope_theta": float(self.rope_theta)},
            no_rope_layers=self.no_rope_layers(),
            no_rope_layer_interval=self.no_rope_interval or 4,
            use_sliding_window=False,
            attention_bias=False,
            mlp_bias=False,
            attention_dropout=0.0,
        )
        return out

    @classmethod
    def from_hf_dict(cls, hf: dict[str, Any]) -> ModelConfig:
        """Build a config from SmolLM3Config kwargs or a ``config.json`` dictionary."""
        kwargs = {ours: hf[key] for key, ours in _HF_DIRECT.items() if hf.get(key) is not None}
        if isinstance(kwargs.get("eos_token_id"), list):
            kwargs["eos_token_id"] = kwargs["eos_token_id"][0]
        if hf.get("num_key_value_heads") is None and "num_attention_heads" in hf:
            kwargs["n_kv_heads"] = hf["num_attention_heads"]
        kwargs["rope_theta"] = _hf_rope_theta(hf)
        n_layers = kwargs.get("n_layers", cls.n_layers)
        kwargs["no_rope_interval"] = _interval_from_hf(hf, n_layers)
        head_dim = hf.get("head_dim")
        hidden, heads = kwargs.get("hidden_size"), kwargs.get("n_heads")
        if head_dim is not None and hidden and heads and head_dim * heads != hidden:
            raise ConfigError(
                f"Unsupported head_dim {head_dim}: it must equal hidden_size / num_attention_heads."
            )
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "config") -> ModelConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                f"Unknown model config key(s) {', '.join(unknown)} in {source}.",
                f"Valid keys: {', '.join(sorted(known))}.",
            )
        return cls(**data)

    def save(self, path: Path) -> None:
        from specify.fsutil import atomic_write_text

        atomic_write_text(path, json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> ModelConfig:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")), str(path))


def _hf_rope_theta(hf: dict[str, Any]) -> float:
    params = hf.get("rope_parameters") or hf.get("rope_scaling") or {}
    if "rope_theta" in params:
        return float(params["rope_theta"])
    if hf.get("rope_theta") is not None:
        return float(hf["rope_theta"])
    return 2_000_000.0  # SmolLM3Config.default_theta in transformers 5.25


def _interval_from_hf(hf: dict[str, Any], n_layers: int) -> int:
    """Recover ``no_rope_interval`` from ``no_rope_layers``, or raise if it is not periodic."""
    interval = int(hf.get("no_rope_layer_interval") or 4)
    layers = hf.get("no_rope_layers")
    if layers is None:
        return interval
    layers = [int(x) for x in layers[:n_layers]]
    if all(layers):
        return 0
    for candidate in range(1, n_layers + 1):
        if layers == [int((i + 1) % candidate != 0) for i in range(n_layers)]:
            return candidate
    raise ConfigError(
        f"no_rope_layers {layers} has no fixed NoPE interval, which this model cannot express.",
        "Use a list with 0 at every k-th layer (k = no_rope_layer_interval).",
    )


@dataclass(frozen=True)
class Preset:
    """A named model shape with the recipe that trains it."""

    name: str
    model: ModelConfig
    recipe: str  # file name under localmodel/recipes/
    note: str = ""
    seq_len: int = 256


PRESETS: dict[str, Preset] = {
    "cpu-tiny": Preset(
        "cpu-tiny",
        ModelConfig(vocab_size=2048, hidden_size=128, n_layers=4, n_heads=4, n_kv_heads=2,
                    ffn_size=384, rope_theta=50_000.0, max_seq_len=1024),
        "cpu-tiny.toml",
        "about 1M parameters; trains in minutes on two CPU cores",
        seq_len=256,
    ),
    "gpu-45m": Preset(
        "gpu-45m",
        ModelConfig(vocab_size=16384, hidden_size=512, n_layers=12, n_heads=8, n_kv_heads=2,
                    ffn_size=1536, rope_theta=50_000.0, max_seq_len=4096),
        "gpu-45m.toml",
        "about 45M parameters; about ten minutes on one H100/H200-class GPU",
        seq_len=1024,
    ),
    "smollm2-135m": Preset(
        "smollm2-135m",
        ModelConfig(vocab_size=49152, hidden_size=576, n_layers=30, n_heads=9, n_kv_heads=3,
                    ffn_size=1536, rope_theta=10_000.0, rms_eps=1e-5, max_seq_len=2048,
                    init_std=0.0417),
        "smollm2-135m.toml",
        "the SmolLM2-135M shape, with SmolLM3's NoPE every fourth layer",
        seq_len=2048,
    ),
    "smollm3-3b": Preset(
        "smollm3-3b",
        ModelConfig(vocab_size=128256, hidden_size=2048, n_layers=36, n_heads=16, n_kv_heads=4,
                    ffn_size=11008, rope_theta=5_000_000.0, max_seq_len=65536,
                    bos_token_id=128000, eos_token_id=128001, pad_token_id=128004),
        "smollm3-3b.toml",
        "the published SmolLM3-3B shape (rope_theta of the released long-context config)",
        seq_len=4096,
    ),
}


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ConfigError(f"Unknown preset '{name}'.", f"Choose one of: {', '.join(PRESETS)}.")
    return PRESETS[name]
