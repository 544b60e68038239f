"""Hugging Face export: transformers loads the folder as SmolLM3 with our tokenizer and template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from localmodel.chat_template import render_chat  # noqa: E402
from localmodel.export.hf import export_hf  # noqa: E402
from localmodel.export.source import load_bundle  # noqa: E402
from localmodel.tokenizer.train import load_tokenizer  # noqa: E402
from specify.errors import ArtifactError  # noqa: E402
from tests.helpers.tiny_gguf import TinyModel  # noqa: E402

MESSAGES = [
    {"role": "system", "content": "Be terse. /no_think"},
    {"role": "user", "content": "Add 2 and 3."},
    {"role": "assistant", "content": "",
     "tool_calls": [{"type": "function", "function": {"name": "add",
                                                       "arguments": {"a": 2, "b": 3}}}]},
    {"role": "tool", "content": "5"},
]
TOOLS = [{"type": "function", "function": {
    "name": "add", "description": "Add two integers.",
    "parameters": {"type": "object", "properties": {"a": {"type": "integer"},
                                                    "b": {"type": "integer"}}},
}}]


def test_transformers_loads_smollm3(tiny_model: TinyModel) -> None:
    model = transformers.AutoModelForCausalLM.from_pretrained(tiny_model.hf_folder)
    assert type(model).__name__ == "SmolLM3ForCausalLM"
    assert model.config.no_rope_layers == [1, 1, 1, 0]
    assert model.config.tie_word_embeddings is True


def test_weights_round_trip(tiny_model: TinyModel, tmp_path: Path) -> None:
    bundle = load_bundle(tiny_model.hf_folder)
    export_hf(bundle, tmp_path / "again")
    again = load_bundle(tmp_path / "again")
    assert again.config == bundle.config
    assert again.state_dict.keys() == bundle.state_dict.keys()
    for name, tensor in bundle.state_dict.items():
        assert torch.equal(again.state_dict[name], tensor), name


def test_auto_tokenizer_ids_match(tiny_model: TinyModel) -> None:
    tokenizer = transformers.AutoTokenizer.from_pretrained(tiny_model.hf_folder)
    text = "def f(x):\n    return x ** 2  # Grüße 🙂"
    assert tokenizer(text)["input_ids"] == load_tokenizer(tiny_model.tokenizer).encode(text).ids
    assert tokenizer.bos_token == "<|begin_of_text|>"
    assert tokenizer.eos_token == "<|end_of_text|>"
    assert tokenizer.pad_token == "<|pad|>"


def test_apply_chat_template_matches_ours(tiny_model: TinyModel) -> None:
    tokenizer = transformers.AutoTokenizer.from_pretrained(tiny_model.hf_folder)
    text = tokenizer.apply_chat_template(MESSAGES, tools=TOOLS, tokenize=False,
                                         add_generation_prompt=True)
    assert text == render_chat(MESSAGES, tools=TOOLS, add_generation_prompt=True)


def test_decode_keeps_markup_tokens(tiny_model: TinyModel) -> None:
    tokenizer = transformers.AutoTokenizer.from_pretrained(tiny_model.hf_folder)
    ids = tokenizer("<think>\nx\n</think>\n<tool_call>{}</tool_call><|im_end|>")["input_ids"]
    text = tokenizer.decode(ids, skip_special_tokens=True)
    assert text == "<think>\nx\n</think>\n<tool_call>{}</tool_call>"


def test_generation_stops_at_turn_end(tiny_model: TinyModel) -> None:
    config = json.loads((tiny_model.hf_folder / "generation_config.json").read_text())
    im_end = load_tokenizer(tiny_model.tokenizer).token_to_id("<|im_end|>")
    assert config["eos_token_id"] == [tiny_model.config.eos_token_id, im_end]


def test_non_empty_folder_is_kept(tiny_model: TinyModel, tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(ArtifactError, match="not empty"):
        export_hf(load_bundle(tiny_model.hf_folder), target)
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]


def test_missing_folder_names_path(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="does-not-exist"):
        load_bundle(tmp_path / "does-not-exist")
