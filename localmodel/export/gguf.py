"""Write a model as a GGUF file that llama.cpp loads with its ``smollm3`` architecture.

The writer uses gguf-py's ``GGUFWriter`` directly, because llama.cpp's
``convert_hf_to_gguf.py`` rejects tokenizers it has no hash for. ``smollm3`` (llama.cpp at
commit 0c1e57098, ``src/models/smollm3.cpp``) carries a pre-norm Llama block with GQA, SwiGLU
and RMSNorm and a tied or untied output head. It skips RoPE in every layer ``i`` with
``(i + 1) % 4 == 0``, where the step 4 is hard-coded and has no key. It has no QK-norm and
no sliding window.
llama.cpp applies RoPE to adjacent pairs (rope type NORM) while our model rotates halves
(``rotate_half``), so the Q and K projections are permuted on the way out.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localmodel.chat_template import CHAT_TEMPLATE
from localmodel.config import ModelConfig
from localmodel.export.gguf_vocab import PRE_TOKENIZER, read_vocab
from localmodel.export.source import ModelBundle
from specify.errors import ArtifactError, ConfigError, UsageError

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

ARCH = "smollm3"
NOPE_STEP = 4  # llama.cpp's n_no_rope_layer_step for smollm3
DTYPES = ("f32", "f16", "bf16", "q8_0")
Q8_0_BLOCK = 32  # values per Q8_0 block: a row length must be a multiple of it

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]?)B?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "K": 1000, "M": 1000**2, "G": 1000**3}


@dataclass
class GGUFExport:
    """Files and figures of one GGUF export."""

    files: list[Path]
    dtype: str
    n_tensors: int
    n_params: int
    bytes_written: int
    kept_f16: list[str] = field(default_factory=list)  # tensors Q8_0 cannot hold


def parse_size(text: str) -> int:
    """Parse a split size such as ``500M``, ``2G`` or ``1048576`` into bytes (K, M, G = 1000^n)."""
    match = _SIZE_RE.match(text)
    if not match or float(match.group(1)) <= 0:
        raise UsageError(f"Invalid split size '{text}'.",
                         "Give a positive number of bytes with an optional K, M or G suffix.")
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).upper()])


def check_exportable(config: ModelConfig, state_dict: dict[str, Any]) -> None:
    """Raise ConfigError, with the reason, for a model ``smollm3`` cannot carry."""
    if config.qk_norm or any(".q_norm." in k or ".k_norm." in k for k in state_dict):
        raise ConfigError(
            "This model uses QK-norm, which llama.cpp's smollm3 architecture does not have.",
            "Train with qk_norm = false to export to GGUF.",
        )
    unknown = sorted(set(state_dict) - expected_state_keys(config))
    if unknown:
        raise ConfigError(
            f"The model has tensors llama.cpp's smollm3 architecture cannot hold: "
            f"{', '.join(unknown[:3])}{' ...' if len(unknown) > 3 else ''}.",
            "Export only models without biases or extra norms (SmolLM3 layout).",
        )
    if config.no_rope_interval != NOPE_STEP:
        raise ConfigError(
            f"This model skips RoPE every {config.no_rope_interval or 'no'} layers, but "
            f"llama.cpp's smollm3 architecture skips it in every {NOPE_STEP}th layer.",
            f"Train with no_rope_interval = {NOPE_STEP} to export to GGUF.",
        )


def expected_state_keys(config: ModelConfig) -> set[str]:
    """Return the state-dict names of a SmolLM3 model without biases or QK-norm."""
    per_layer = ("input_layernorm", "post_attention_layernorm", "self_attn.q_proj",
                 "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                 "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")
    keys = {"model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"}
    for layer in range(config.n_layers):
        keys.update(f"model.layers.{layer}.{name}.weight" for name in per_layer)
    return keys


def permute_for_llama_rope(weight: np.ndarray, n_heads: int) -> np.ndarray:
    """Reorder Q or K projection rows from rotate-half RoPE to llama.cpp's adjacent pairs.

    Within each head the rows ``[x0..x_{d/2-1}, y0..y_{d/2-1}]`` become ``[x0, y0, x1, y1, ...]``.
    """
    rows, cols = weight.shape
    return (weight.reshape(n_heads, 2, rows // n_heads // 2, cols)
            .swapaxes(1, 2).reshape(rows, cols))


def export_gguf(bundle: ModelBundle, out: Path, dtype: str = "f32", split_max_size: int = 0,
                overwrite: bool = False, progress: bool = False) -> GGUFExport:
    """Write ``bundle`` to ``out`` (or ``out``'s split parts) as a ``smollm3`` GGUF.

    ``progress`` shows gguf-py's progress bar on stderr while the tensors are written.
    """
    import gguf

    if dtype not in DTYPES:
        raise UsageError(f"Invalid dtype '{dtype}'.", f"Choose one of: {', '.join(DTYPES)}.")
    config = bundle.config
    check_exportable(config, bundle.state_dict)
    vocab = read_vocab(bundle.tokenizer_path, config.vocab_size, config.bos_token_id,
                       config.eos_token_id, config.pad_token_id)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)

    # Write into a private folder next to the target, then move the parts into place, so a
    # failed export leaves no partial file under the final name.
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        staged = Path(tmp) / out.name
        writer = gguf.GGUFWriter(staged, ARCH, split_max_size=split_max_size)
        _add_hparams(writer, config, bundle.name, dtype)
        _add_vocab(writer, vocab)
        kept_f16, n_params = _add_tensors(writer, bundle, dtype)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file(progress=progress)
        writer.close()
        parts = writer.format_shard_names(staged)
        targets = [out.parent / p.name for p in parts]
        _reject_existing(targets, overwrite)
        for part, target in zip(parts, targets, strict=True):
            os.replace(part, target)

    n_tensors = sum(len(t) for t in writer.tensors)
    size = sum(t.stat().st_size for t in targets)
    logger.info("wrote %s (%d parts, %d bytes)", out, len(targets), size)
    return GGUFExport(targets, dtype, n_tensors, n_params, size, kept_f16)


def _reject_existing(targets: list[Path], overwrite: bool) -> None:
    existing = [t for t in targets if t.exists()]
    if existing and not overwrite:
        raise ArtifactError(f"{existing[0]} already exists.",
                            "Choose another output path or pass --force to replace it.")


def _add_hparams(writer: Any, config: ModelConfig, name: str, dtype: str) -> None:
    import gguf

    file_types = {
        "f32": gguf.LlamaFileType.ALL_F32,
        "f16": gguf.LlamaFileType.MOSTLY_F16,
        "bf16": gguf.LlamaFileType.MOSTLY_BF16,
        "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0,
    }
    writer.add_name(name)
    writer.add_block_count(config.n_layers)
    writer.add_context_length(config.max_seq_len)
    writer.add_embedding_length(config.hidden_size)
    writer.add_feed_forward_length(config.ffn_size)
    writer.add_head_count(config.n_heads)
    writer.add_head_count_kv(config.n_kv_heads)
    writer.add_key_length(config.head_dim)
    writer.add_value_length(config.head_dim)
    writer.add_rope_dimension_count(config.head_dim)
    writer.add_rope_freq_base(float(config.rope_theta))
    writer.add_layer_norm_rms_eps(float(config.rms_eps))
    writer.add_vocab_size(config.vocab_size)
    writer.add_file_type(file_types[dtype])
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)


def _add_vocab(writer: Any, vocab: Any) -> None:
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(PRE_TOKENIZER)
    writer.add_token_list(vocab.tokens)
    writer.add_token_types(vocab.token_types)
    writer.add_token_merges(vocab.merges)
    writer.add_bos_token_id(vocab.bos_id)
    writer.add_eos_token_id(vocab.eos_id)
    if vocab.pad_id is not None:
        writer.add_pad_token_id(vocab.pad_id)
    if vocab.eot_id is not None:
        writer.add_eot_token_id(vocab.eot_id)
    writer.add_add_bos_token(vocab.add_bos)
    writer.add_add_eos_token(False)
    writer.add_chat_template(CHAT_TEMPLATE)


def gguf_tensors(bundle: ModelBundle) -> Iterator[tuple[str, np.ndarray]]:
    """Yield ``(gguf_name, float32 array)`` for every tensor, Q and K permuted."""
    import gguf
    import numpy as np

    cfg, sd = bundle.config, bundle.state_dict
    names = gguf.TENSOR_NAMES
    tensor = gguf.MODEL_TENSOR

    def array(key: str) -> np.ndarray:
        if key not in sd:
            raise ArtifactError(f"Tensor {key} is missing from the model in {bundle.source}.")
        return sd[key].detach().to("cpu").float().numpy().astype(np.float32, copy=False)

    yield names[tensor.TOKEN_EMBD] + ".weight", array("model.embed_tokens.weight")
    yield names[tensor.OUTPUT_NORM] + ".weight", array("model.norm.weight")
    if not cfg.tie_embeddings:
        yield names[tensor.OUTPUT] + ".weight", array("lm_head.weight")

    per_layer = [
        (tensor.ATTN_NORM, "input_layernorm"),
        (tensor.ATTN_Q, "self_attn.q_proj"),
        (tensor.ATTN_K, "self_attn.k_proj"),
        (tensor.ATTN_V, "self_attn.v_proj"),
        (tensor.ATTN_OUT, "self_attn.o_proj"),
        (tensor.FFN_NORM, "post_attention_layernorm"),
        (tensor.FFN_GATE, "mlp.gate_proj"),
        (tensor.FFN_UP, "mlp.up_proj"),
        (tensor.FFN_DOWN, "mlp.down_proj"),
    ]
    for layer in range(cfg.n_layers):
        for kind, ours in per_layer:
            weight = array(f"model.layers.{layer}.{ours}.weight")
            if kind == tensor.ATTN_Q:
                weight = permute_for_llama_rope(weight, cfg.n_heads)
            elif kind == tensor.ATTN_K:
                weight = permute_for_llama_rope(weight, cfg.n_kv_heads)
            yield names[kind].format(bid=layer) + ".weight", weight


def _add_tensors(writer: Any, bundle: ModelBundle, dtype: str) -> tuple[list[str], int]:
    """Add every tensor in ``dtype``.

    Return the names Q8_0 could not hold (kept in F16) and the number of parameters written.
    """
    import gguf
    import numpy as np

    qtypes = {
        "f32": gguf.GGMLQuantizationType.F32,
        "f16": gguf.GGMLQuantizationType.F16,
        "bf16": gguf.GGMLQuantizationType.BF16,
        "q8_0": gguf.GGMLQuantizationType.Q8_0,
    }
    kept_f16: list[str] = []
    n_params = 0
    for name, array in gguf_tensors(bundle):
        n_params += array.size
        qtype = qtypes[dtype]
        if array.ndim == 1:
            qtype = gguf.GGMLQuantizationType.F32  # norms stay F32, as llama.cpp's converter does
        elif qtype == gguf.GGMLQuantizationType.Q8_0 and array.shape[-1] % Q8_0_BLOCK:
            qtype = gguf.GGMLQuantizationType.F16
            kept_f16.append(name)

        if qtype in (gguf.GGMLQuantizationType.F32, gguf.GGMLQuantizationType.F16):
            writer.add_tensor(name, gguf.quants.quantize(array, qtype))
            continue
        data = gguf.quants.quantize(np.ascontiguousarray(array), qtype)
        writer.add_tensor(name, data, raw_shape=data.shape, raw_dtype=qtype)
    return kept_f16, n_params

