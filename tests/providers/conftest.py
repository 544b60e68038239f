"""Fixtures for provider tests: a tiny real GGUF model and servers on 127.0.0.1.

The model is a llama-architecture GGUF written with ``gguf.GGUFWriter``: a byte-level BPE
vocabulary trained here on Python standard-library source, random f32 weights, and a ChatML
chat template with a tool role. Random weights produce noise, which is the point: grammar-
constrained output must still be valid JSON for the schema.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

SPECIAL_TOKENS = ["<|begin_of_text|>", "<|end_of_text|>", "<|im_start|>", "<|im_end|>"]
VOCAB_SIZE = 384
HIDDEN, LAYERS, HEADS, KV_HEADS, FFN, CONTEXT = 64, 2, 4, 2, 128, 2048
# Not the exact ChatML string llama-cpp-python recognises, so its Jinja formatter renders it,
# as it would the template of a real model.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def _training_text(max_bytes: int = 200_000) -> list[str]:
    stdlib = Path(os.__file__).parent
    texts, total = [], 0
    for path in sorted(stdlib.glob("*.py")):
        texts.append(path.read_text(encoding="utf-8", errors="replace"))
        total += len(texts[-1])
        if total >= max_bytes:
            break
    return texts


def _train_vocabulary() -> tuple[list[str], list[str]]:
    """Return (tokens by id, merges) of a byte-level BPE with GPT-2 pre-tokenization."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_training_text(), trainer)
    vocab = tokenizer.get_vocab()
    tokens = [token for token, _ in sorted(vocab.items(), key=lambda item: item[1])]
    merges = json.loads(tokenizer.to_str())["model"]["merges"]
    merges = [" ".join(pair) if isinstance(pair, list) else pair for pair in merges]
    return tokens, merges


def write_tiny_llama(path: Path, *, chat_template: str | None = CHAT_TEMPLATE, seed: int = 0) -> Path:
    """Write a llama-architecture GGUF with random weights and a trained BPE vocabulary."""
    import gguf
    import numpy as np

    tokens, merges = _train_vocabulary()
    rng = np.random.default_rng(seed)
    head_dim = HIDDEN // HEADS

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("specify-test-tiny-llama")
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(HIDDEN)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_dimension_count(head_dim)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types([3 if token in SPECIAL_TOKENS else 1 for token in tokens])
    writer.add_token_merges(merges)
    writer.add_bos_token_id(tokens.index("<|begin_of_text|>"))
    writer.add_eos_token_id(tokens.index("<|im_end|>"))
    writer.add_add_bos_token(False)
    if chat_template is not None:
        writer.add_chat_template(chat_template)

    def weight(*shape: int) -> Any:
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    writer.add_tensor("token_embd.weight", weight(len(tokens), HIDDEN))
    writer.add_tensor("output_norm.weight", np.ones(HIDDEN, dtype=np.float32))
    for layer in range(LAYERS):
        prefix = f"blk.{layer}."
        writer.add_tensor(prefix + "attn_norm.weight", np.ones(HIDDEN, dtype=np.float32))
        writer.add_tensor(prefix + "attn_q.weight", weight(HEADS * head_dim, HIDDEN))
        writer.add_tensor(prefix + "attn_k.weight", weight(KV_HEADS * head_dim, HIDDEN))
        writer.add_tensor(prefix + "attn_v.weight", weight(KV_HEADS * head_dim, HIDDEN))
        writer.add_tensor(prefix + "attn_output.weight", weight(HIDDEN, HEADS * head_dim))
        writer.add_tensor(prefix + "ffn_norm.weight", np.ones(HIDDEN, dtype=np.float32))
        writer.add_tensor(prefix + "ffn_gate.weight", weight(FFN, HIDDEN))
        writer.add_tensor(prefix + "ffn_up.weight", weight(FFN, HIDDEN))
        writer.add_tensor(prefix + "ffn_down.weight", weight(HIDDEN, FFN))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _require_model_packages() -> None:
    pytest.importorskip("llama_cpp", reason="the llama.cpp tests need the [local] extra")
    pytest.importorskip("gguf", reason="building the test model needs the gguf package")
    pytest.importorskip("tokenizers", reason="training the test vocabulary needs tokenizers")


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny llama GGUF with a chat template, built once per session."""
    _require_model_packages()
    return write_tiny_llama(tmp_path_factory.mktemp("gguf") / "tiny-llama.gguf")


@pytest.fixture(scope="session")
def tiny_gguf_no_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _require_model_packages()
    return write_tiny_llama(tmp_path_factory.mktemp("gguf-plain") / "tiny-plain.gguf", chat_template=None)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url} within {timeout} s")


@pytest.fixture(scope="session")
def llama_server(tiny_gguf: Path, tmp_path_factory: pytest.TempPathFactory):
    """llama-cpp-python's OpenAI-compatible server on a free loopback port; yields its /v1 URL."""
    pytest.importorskip("uvicorn", reason="the server needs llama-cpp-python's [server] extra")
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(tiny_gguf),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(CONTEXT), "--seed", "0",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_for(f"http://127.0.0.1:{port}/v1/models", process, timeout=60)
        yield f"http://127.0.0.1:{port}/v1"
    except RuntimeError as exc:
        pytest.fail(f"llama_cpp.server did not start: {exc}\n{log.read_text(errors='replace')[-2000:]}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
