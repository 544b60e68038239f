"""GGUF export: metadata keys, tensor layout, dtypes, splits and the models it rejects."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
gguf = pytest.importorskip("gguf")

from localmodel.chat_template import CHAT_TEMPLATE  # noqa: E402
from localmodel.export.gguf import export_gguf, parse_size, permute_for_llama_rope  # noqa: E402
from localmodel.export.source import ModelBundle, load_bundle  # noqa: E402
from specify.errors import ArtifactError, ConfigError, UsageError  # noqa: E402
from tests.helpers.tiny_gguf import TinyModel  # noqa: E402


def read_fields(path: Path) -> dict[str, object]:
    reader = gguf.GGUFReader(path)
    return {name: field.contents() for name, field in reader.fields.items()}


def read_tensors(path: Path) -> dict[str, object]:
    return {t.name: t for t in gguf.GGUFReader(path).tensors}


def token_id(tokenizer: Path, content: str) -> int:
    data = json.loads(tokenizer.read_text())
    return next(a["id"] for a in data["added_tokens"] if a["content"] == content)


def test_hyperparameter_keys_read_back(tiny_model: TinyModel) -> None:
    fields = read_fields(tiny_model.gguf)
    cfg = tiny_model.config
    assert fields["general.architecture"] == "smollm3"
    assert fields["smollm3.block_count"] == cfg.n_layers
    assert fields["smollm3.context_length"] == cfg.max_seq_len
    assert fields["smollm3.embedding_length"] == cfg.hidden_size
    assert fields["smollm3.feed_forward_length"] == cfg.ffn_size
    assert fields["smollm3.attention.head_count"] == cfg.n_heads
    assert fields["smollm3.attention.head_count_kv"] == cfg.n_kv_heads
    assert fields["smollm3.rope.dimension_count"] == cfg.head_dim
    assert fields["smollm3.rope.freq_base"] == pytest.approx(cfg.rope_theta)
    assert fields["smollm3.attention.layer_norm_rms_epsilon"] == pytest.approx(cfg.rms_eps)
    assert fields["general.file_type"] == gguf.LlamaFileType.ALL_F32


def test_tokenizer_keys_read_back(tiny_model: TinyModel) -> None:
    fields = read_fields(tiny_model.gguf)
    assert fields["tokenizer.ggml.model"] == "gpt2"
    assert fields["tokenizer.ggml.pre"] == "llama-bpe"
    assert len(fields["tokenizer.ggml.tokens"]) == tiny_model.config.vocab_size
    assert fields["tokenizer.ggml.tokens"][0] == "<|begin_of_text|>"
    assert fields["tokenizer.ggml.token_type"][0] == gguf.TokenType.CONTROL
    think = token_id(tiny_model.tokenizer, "<think>")
    assert fields["tokenizer.ggml.token_type"][think] == gguf.TokenType.USER_DEFINED
    assert fields["tokenizer.ggml.merges"][0].count(" ") == 1
    assert fields["tokenizer.ggml.bos_token_id"] == tiny_model.config.bos_token_id
    assert fields["tokenizer.ggml.eos_token_id"] == tiny_model.config.eos_token_id
    assert fields["tokenizer.ggml.padding_token_id"] == tiny_model.config.pad_token_id
    assert fields["tokenizer.ggml.eot_token_id"] == token_id(tiny_model.tokenizer, "<|im_end|>")
    assert fields["tokenizer.ggml.add_bos_token"] is True
    assert fields["tokenizer.ggml.add_eos_token"] is False
    assert fields["tokenizer.chat_template"] == CHAT_TEMPLATE


def test_tied_model_has_no_output(tiny_model: TinyModel) -> None:
    tensors = read_tensors(tiny_model.gguf)
    assert "output.weight" not in tensors
    assert len(tensors) == 2 + 9 * tiny_model.config.n_layers


def test_query_and_key_rows_permuted(tiny_model: TinyModel) -> None:
    bundle = load_bundle(tiny_model.hf_folder)
    tensors = read_tensors(tiny_model.gguf)
    sd, cfg = bundle.state_dict, bundle.config
    q = sd["model.layers.1.self_attn.q_proj.weight"].numpy()
    k = sd["model.layers.1.self_attn.k_proj.weight"].numpy()
    v = sd["model.layers.1.self_attn.v_proj.weight"].numpy()
    np.testing.assert_array_equal(tensors["blk.1.attn_q.weight"].data,
                                  permute_for_llama_rope(q, cfg.n_heads))
    np.testing.assert_array_equal(tensors["blk.1.attn_k.weight"].data,
                                  permute_for_llama_rope(k, cfg.n_kv_heads))
    np.testing.assert_array_equal(tensors["blk.1.attn_v.weight"].data, v)


def test_permutation_interleaves_head_halves() -> None:
    # One head of dimension 4: rows [x0, x1, y0, y1] become [x0, y0, x1, y1].
    weight = np.arange(8, dtype=np.float32).reshape(4, 2)
    permuted = permute_for_llama_rope(weight, n_heads=1)
    assert permuted[:, 0].tolist() == [0.0, 4.0, 2.0, 6.0]


def test_untied_model_writes_output(tiny_model: TinyModel, tmp_path: Path) -> None:
    bundle = load_bundle(tiny_model.hf_folder)
    bundle.config = bundle.config.replace(tie_embeddings=False)
    bundle.state_dict["lm_head.weight"] = bundle.state_dict["model.embed_tokens.weight"] * 2
    result = export_gguf(bundle, tmp_path / "untied.gguf")
    tensors = read_tensors(result.files[0])
    np.testing.assert_array_equal(tensors["output.weight"].data,
                                  bundle.state_dict["lm_head.weight"].numpy())


@pytest.mark.parametrize(
    ("dtype", "matrix_type", "file_type"),
    [
        ("f16", "F16", "MOSTLY_F16"),
        ("bf16", "BF16", "MOSTLY_BF16"),
        ("q8_0", "Q8_0", "MOSTLY_Q8_0"),
    ],
)
def test_dtype_sets_tensor_types(tiny_model: TinyModel, tmp_path: Path, dtype: str,
                                 matrix_type: str, file_type: str) -> None:
    bundle = load_bundle(tiny_model.hf_folder)
    result = export_gguf(bundle, tmp_path / f"m-{dtype}.gguf", dtype=dtype)
    tensors = read_tensors(result.files[0])
    fields = read_fields(result.files[0])
    assert tensors["blk.0.ffn_up.weight"].tensor_type.name == matrix_type
    assert tensors["token_embd.weight"].tensor_type.name == matrix_type
    assert tensors["blk.0.attn_norm.weight"].tensor_type.name == "F32"
    assert fields["general.file_type"] == gguf.LlamaFileType[file_type]


def test_q8_0_keeps_odd_rows_f16(tiny_model: TinyModel, tmp_path: Path) -> None:
    bundle = load_bundle(tiny_model.hf_folder)
    # ffn_down rows have ffn_size values; 144 is not a multiple of the Q8_0 block of 32.
    bundle.config = bundle.config.replace(ffn_size=144)
    for layer in range(bundle.config.n_layers):
        prefix = f"model.layers.{layer}.mlp."
        for name in ("gate_proj", "up_proj"):
            bundle.state_dict[prefix + name + ".weight"] = bundle.state_dict[
                prefix + name + ".weight"].repeat(2, 1)[:144]
        bundle.state_dict[prefix + "down_proj.weight"] = bundle.state_dict[
            prefix + "down_proj.weight"].repeat(1, 2)[:, :144]
    result = export_gguf(bundle, tmp_path / "odd.gguf", dtype="q8_0")
    tensors = read_tensors(result.files[0])
    assert tensors["blk.0.ffn_down.weight"].tensor_type.name == "F16"
    assert tensors["blk.0.ffn_up.weight"].tensor_type.name == "Q8_0"
    assert "blk.0.ffn_down.weight" in result.kept_f16


def test_split_writes_numbered_parts(tiny_model: TinyModel, tmp_path: Path) -> None:
    bundle = load_bundle(tiny_model.hf_folder)
    result = export_gguf(bundle, tmp_path / "split.gguf", split_max_size=60_000)
    names = [p.name for p in result.files]
    assert len(names) > 1
    assert names[0] == f"split-00001-of-{len(names):05d}.gguf"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    total = sum(len(read_tensors(p)) for p in result.files)
    assert total == 2 + 9 * bundle.config.n_layers


def test_existing_file_is_kept(tiny_model: TinyModel, tmp_path: Path) -> None:
    bundle = load_bundle(tiny_model.hf_folder)
    target = tmp_path / "model.gguf"
    target.write_text("user data")
    with pytest.raises(ArtifactError, match="already exists"):
        export_gguf(bundle, target)
    assert target.read_text() == "user data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.gguf"]


def test_force_replaces_existing_file(tiny_model: TinyModel, tmp_path: Path) -> None:
    bundle = load_bundle(tiny_model.hf_folder)
    target = tmp_path / "model.gguf"
    target.write_text("old")
    export_gguf(bundle, target, overwrite=True)
    assert read_fields(target)["general.architecture"] == "smollm3"


def test_rejects_qk_norm(tiny_model: TinyModel, tmp_path: Path) -> None:
    bundle = load_bundle(tiny_model.hf_folder)
    bundle.config = bundle.config.replace(qk_norm=True)
    with pytest.raises(ConfigError, match="QK-norm"):
        export_gguf(bundle, tmp_path / "qk.gguf")
    assert not (tmp_path / "qk.gguf").exists()


@pytest.mark.parametrize("interval", [0, 3, 5])
def test_rejects_other_nope_intervals(tiny_model: TinyModel, tmp_path: Path,
                                      interval: int) -> None:
    bundle = load_bundle(tiny_model.hf_folder)
    bundle.config = bundle.config.replace(no_rope_interval=interval)
    with pytest.raises(ConfigError, match="every 4th layer"):
        export_gguf(bundle, tmp_path / "nope.gguf")


def test_rejects_gpt2_pre_tokenizer(tiny_model: TinyModel, tmp_path: Path) -> None:
    data = json.loads(tiny_model.tokenizer.read_text())
    data["pre_tokenizer"] = {"type": "ByteLevel", "add_prefix_space": False,
                             "trim_offsets": True, "use_regex": True}
    tokenizer = tmp_path / "tokenizer.json"
    tokenizer.write_text(json.dumps(data))
    bundle = load_bundle(tiny_model.hf_folder)
    bundle = ModelBundle(bundle.config, bundle.state_dict, tokenizer, "t", tmp_path)
    with pytest.raises(ConfigError, match="not a Split followed by ByteLevel"):
        export_gguf(bundle, tmp_path / "gpt2.gguf")


def test_rejects_merges_without_ignore(tiny_model: TinyModel, tmp_path: Path) -> None:
    data = json.loads(tiny_model.tokenizer.read_text())
    data["model"]["ignore_merges"] = False
    tokenizer = tmp_path / "tokenizer.json"
    tokenizer.write_text(json.dumps(data))
    bundle = load_bundle(tiny_model.hf_folder)
    bundle = ModelBundle(bundle.config, bundle.state_dict, tokenizer, "t", tmp_path)
    with pytest.raises(ConfigError, match="ignore_merges"):
        export_gguf(bundle, tmp_path / "merges.gguf")


def test_rejects_tokenizer_over_vocab(tiny_model: TinyModel, tmp_path: Path) -> None:
    bundle = load_bundle(tiny_model.hf_folder)
    bundle.config = bundle.config.replace(vocab_size=300)
    with pytest.raises(ConfigError, match="vocab_size is 300"):
        export_gguf(bundle, tmp_path / "small.gguf")


def test_rejects_unknown_dtype(tiny_model: TinyModel, tmp_path: Path) -> None:
    bundle = load_bundle(tiny_model.hf_folder)
    with pytest.raises(UsageError, match="q4_k"):
        export_gguf(bundle, tmp_path / "x.gguf", dtype="q4_k")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1048576", 1048576), ("500M", 500_000_000), ("2G", 2_000_000_000), ("1.5k", 1500),
     ("64MB", 64_000_000)],
)
def test_parse_size_units(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "-1M", "0", "12X", "M"])
def test_parse_size_rejects_invalid(text: str) -> None:
    with pytest.raises(UsageError, match="Invalid split size"):
        parse_size(text)



def test_rejects_bias_tensors(tiny_model: TinyModel, tmp_path: Path) -> None:
    bundle = load_bundle(tiny_model.hf_folder)
    bundle.state_dict["model.layers.0.self_attn.q_proj.bias"] = torch.zeros(64)
    with pytest.raises(ConfigError, match="model.layers.0.self_attn.q_proj.bias"):
        export_gguf(bundle, tmp_path / "bias.gguf")


@pytest.mark.parametrize(
    ("key", "value"),
    [("use_sliding_window", True), ("attention_bias", True), ("hidden_act", "gelu"),
     ("rope_parameters", {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 2.0})],
)
def test_rejects_unsupported_hf_options(tiny_model: TinyModel, tmp_path: Path, key: str,
                                        value: object) -> None:
    folder = tmp_path / "hf"
    shutil.copytree(tiny_model.hf_folder, folder)
    config = json.loads((folder / "config.json").read_text())
    config[key] = value
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ConfigError, match=key):
        load_bundle(folder)
