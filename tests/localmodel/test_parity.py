"""Parity of our torch model with transformers' SmolLM3 and with llama.cpp on one set of weights.

llama.cpp runs with an F32 KV cache: its default F16 cache alone moves logits by about 3e-2
on these weights, which would hide a real layout error behind the tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
llama_cpp = pytest.importorskip("llama_cpp")

from localmodel.chat_template import render_chat  # noqa: E402
from localmodel.export.source import build_torch_model, load_bundle  # noqa: E402
from localmodel.tokenizer.train import load_tokenizer  # noqa: E402
from tests.helpers.tiny_gguf import TinyModel  # noqa: E402

GGML_TYPE_F32 = 0
PROMPT = (
    "import os\n\n\ndef walk(top, depth=0):\n    \"\"\"Yield every file under top.\"\"\"\n"
    "    for name in sorted(os.listdir(top)):\n        path = os.path.join(top, name)\n"
)
TOKENIZER_PROBES = [
    PROMPT,
    "I'm sure they'LL say it's 12345 or 3.14159, isn't it?",
    "Grüße, naïve café; ошибка; 日本語のテキスト; emoji 🙂👍🏽 and tabs\t\tend",
    "  leading spaces\n\n\n   trailing   \r\n",
    "<think>\nplan\n</think>\n<tool_call>\n{\"name\": \"f\"}\n</tool_call>",
]


@pytest.fixture(scope="module")
def ours(tiny_model: TinyModel):
    return build_torch_model(load_bundle(tiny_model.hf_folder))


@pytest.fixture(scope="module")
def llama(tiny_model: TinyModel):
    llm = llama_cpp.Llama(
        model_path=str(tiny_model.gguf), n_ctx=256, logits_all=True, n_threads=2,
        type_k=GGML_TYPE_F32, type_v=GGML_TYPE_F32, verbose=False,
    )
    yield llm
    llm.close()


def prompt_ids(tiny_model: TinyModel) -> list[int]:
    return load_tokenizer(tiny_model.tokenizer).encode(PROMPT).ids


def torch_logits(model, ids: list[int]) -> np.ndarray:
    with torch.no_grad():
        return model(torch.tensor([ids]))[0].numpy()


def llama_logits(llm, ids: list[int]) -> np.ndarray:
    llm.reset()
    llm.eval(ids)
    return np.array(llm.scores[: len(ids)])


def test_torch_matches_transformers(tiny_model: TinyModel, ours) -> None:
    from transformers import SmolLM3ForCausalLM

    reference = SmolLM3ForCausalLM.from_pretrained(tiny_model.hf_folder).eval()
    ids = prompt_ids(tiny_model)
    with torch.no_grad():
        expected = reference(torch.tensor([ids])).logits[0].numpy()
    assert len(ids) > 8  # long enough to pass through the NoPE layer with real context
    assert np.abs(torch_logits(ours, ids) - expected).max() < 1e-4


def test_llama_cpp_logits_match_torch(tiny_model: TinyModel, ours, llama) -> None:
    ids = prompt_ids(tiny_model)
    expected = torch_logits(ours, ids)
    assert np.abs(expected).max() > 1.0  # trained weights, not a flat distribution
    assert np.abs(llama_logits(llama, ids) - expected).max() < 1e-3


def test_greedy_continuations_match(tiny_model: TinyModel, ours, llama) -> None:
    ids = prompt_ids(tiny_model)
    steps = 24

    ours_ids = list(ids)
    for _ in range(steps):
        ours_ids.append(int(torch_logits(ours, ours_ids)[-1].argmax()))

    llama.reset()
    llama.eval(ids)
    llama_ids = list(ids)
    for _ in range(steps):
        next_id = int(np.argmax(llama.scores[llama.n_tokens - 1]))
        llama_ids.append(next_id)
        llama.eval([next_id])
    assert llama_ids == ours_ids


@pytest.mark.parametrize("text", TOKENIZER_PROBES)
def test_tokenizer_ids_identical(tiny_model: TinyModel, llama, text: str) -> None:
    expected = load_tokenizer(tiny_model.tokenizer).encode(text).ids
    assert llama.tokenize(text.encode("utf-8"), add_bos=True, special=False) == expected


def test_chat_special_tokens_identical(tiny_model: TinyModel, llama) -> None:
    text = render_chat([{"role": "user", "content": "hi"}], add_generation_prompt=True,
                       enable_thinking=False)
    expected = load_tokenizer(tiny_model.tokenizer).encode(text).ids
    assert llama.tokenize(text.encode("utf-8"), add_bos=True, special=True) == expected
    assert expected.count(llama.token_eos()) == 0
    im_end = load_tokenizer(tiny_model.tokenizer).token_to_id("<|im_end|>")
    assert llama.tokenize(b"<|im_end|>", add_bos=False, special=True) == [im_end]


def test_turn_end_is_end_of_generation(tiny_model: TinyModel, llama) -> None:
    vocab = llama_cpp.llama_model_get_vocab(llama.model)
    im_end = load_tokenizer(tiny_model.tokenizer).token_to_id("<|im_end|>")
    assert llama_cpp.llama_vocab_is_eog(vocab, im_end)
    assert llama_cpp.llama_vocab_is_eog(vocab, tiny_model.config.eos_token_id)
    assert not llama_cpp.llama_vocab_is_eog(vocab, tiny_model.config.bos_token_id)


def test_markup_tokens_stay_in_output(tiny_model: TinyModel, llama) -> None:
    tokenizer = load_tokenizer(tiny_model.tokenizer)
    for markup in ("<think>", "</think>", "<tool_call>", "</tool_call>"):
        assert llama.detokenize([tokenizer.token_to_id(markup)]) == markup.encode()
    assert llama.detokenize([tokenizer.token_to_id("<|im_end|>")]) == b""


def test_detokenize_round_trips(llama) -> None:
    text = TOKENIZER_PROBES[2]
    ids = llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)
    assert llama.detokenize(ids).decode("utf-8") == text


def test_gguf_chat_template_renders_same(llama) -> None:
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    messages = [
        {"role": "system", "content": "Answer briefly. /no_think"},
        {"role": "user", "content": "What is 2+2?"},
    ]
    tools = [{"type": "function", "function": {"name": "add", "parameters": {"type": "object"}}}]
    formatter = Jinja2ChatFormatter(
        template=llama.metadata["tokenizer.chat_template"], eos_token="<|end_of_text|>",
        bos_token="<|begin_of_text|>",
    )
    prompt = formatter(messages=messages, tools=tools).prompt
    assert llama.chat_format == "chat_template.default"
    assert prompt == render_chat(messages, tools=tools, add_generation_prompt=True)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)


# Measured on the tiny model: max |delta prob| 1e-4 (f16), 4e-4 (bf16), 1e-3 (q8_0).
@pytest.mark.parametrize(("dtype", "max_prob_diff"),
                         [("f16", 1e-3), ("bf16", 4e-3), ("q8_0", 1e-2)])
def test_reduced_dtypes_stay_close(tiny_model: TinyModel, ours, tmp_path, dtype: str,
                                   max_prob_diff: float) -> None:
    from localmodel.export.gguf import export_gguf

    result = export_gguf(load_bundle(tiny_model.hf_folder), tmp_path / "m.gguf", dtype=dtype)
    llm = llama_cpp.Llama(model_path=str(result.files[0]), n_ctx=256, logits_all=True,
                          n_threads=2, verbose=False)
    ids = prompt_ids(tiny_model)
    got, expected = llama_logits(llm, ids), torch_logits(ours, ids)
    llm.close()
    assert np.abs(softmax(got) - softmax(expected)).max() < max_prob_diff
    assert (got.argmax(-1) == expected.argmax(-1)).mean() >= 0.9


def test_split_parts_load_as_one(tiny_model: TinyModel, ours, tmp_path) -> None:
    from localmodel.export.gguf import export_gguf

    result = export_gguf(load_bundle(tiny_model.hf_folder), tmp_path / "split.gguf",
                         split_max_size=60_000)
    llm = llama_cpp.Llama(model_path=str(result.files[0]), n_ctx=256, logits_all=True,
                          n_threads=2, type_k=GGML_TYPE_F32, type_v=GGML_TYPE_F32,
                          verbose=False)
    ids = prompt_ids(tiny_model)
    got = llama_logits(llm, ids)
    llm.close()
    assert len(result.files) > 1
    assert np.abs(got - torch_logits(ours, ids)).max() < 1e-3
