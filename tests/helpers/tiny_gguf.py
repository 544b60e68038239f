"""Build a tiny real model for tests: a BPE tokenizer, SmolLM3 weights, a HF folder and a GGUF.

The tokenizer is trained on Python standard-library source with ``localmodel.tokenizer``
(byte-level BPE, Llama-3 split, ``ignore_merges``), and ``localmodel.model`` weights get a
few AdamW steps on the same text, so greedy output is text-like rather than uniform
noise. The whole build takes a few seconds on two CPU cores.

Use it from any test package::

    from tests.helpers.tiny_gguf import build_tiny_model, tiny_model  # tiny_model is a fixture

``tiny_model`` is session-scoped and contains an f32 GGUF; call ``build_tiny_model`` for other
dtypes or shapes.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

import pytest

from localmodel.config import ModelConfig

TINY_CONFIG = ModelConfig(
    vocab_size=512, hidden_size=64, n_layers=4, n_heads=4, n_kv_heads=2, ffn_size=128,
    rope_theta=10_000.0, max_seq_len=512, bos_token_id=0, eos_token_id=1, pad_token_id=4,
)


@dataclass(frozen=True)
class TinyModel:
    """Paths and config of one built tiny model."""

    gguf: Path
    hf_folder: Path
    tokenizer: Path
    config: ModelConfig


def corpus_texts(max_bytes: int = 400_000) -> list[str]:
    """Return standard-library modules, in a fixed order, up to ``max_bytes`` in total."""
    stdlib = Path(os.__file__).parent
    texts, total = [], 0
    for path in sorted(stdlib.glob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        texts.append(text)
        total += len(text)
        if total >= max_bytes:
            break
    return texts


def train_briefly(model, token_ids: list[int], steps: int, seq_len: int = 64) -> None:
    """Run ``steps`` AdamW steps of next-token prediction on random windows of ``token_ids``."""
    import torch

    rng = random.Random(0)
    data = torch.tensor(token_ids)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.train()
    # A model this small gains nothing from more threads. Measured on two busy CPU cores,
    # one thread ran these steps about 3x faster than two.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _train_steps(model, optimizer, data, rng, steps, seq_len)
    finally:
        torch.set_num_threads(threads)
    model.eval()


def _train_steps(model, optimizer, data, rng: random.Random, steps: int, seq_len: int) -> None:
    import torch

    for _ in range(steps):
        starts = [rng.randrange(len(data) - seq_len - 1) for _ in range(8)]
        batch = torch.stack([data[s:s + seq_len + 1] for s in starts])
        logits = model(batch[:, :-1])
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1)
        )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def build_tiny_model(out_dir: Path, dtype: str = "f32", config: ModelConfig = TINY_CONFIG,
                     train_steps: int = 30, seed: int = 0) -> TinyModel:
    """Train a tokenizer and a model into ``out_dir``; export a HF folder and a GGUF there."""
    from localmodel.export.gguf import export_gguf
    from localmodel.export.hf import export_hf
    from localmodel.export.source import ModelBundle
    from localmodel.model import build_model
    from localmodel.tokenizer.train import load_tokenizer, train_tokenizer

    out_dir.mkdir(parents=True, exist_ok=True)
    texts = corpus_texts()
    tokenizer_path = train_tokenizer(texts, config.vocab_size, out_dir / "tokenizer.json")

    model = build_model(config, seed=seed, attn_backend="sdpa")
    if train_steps:
        ids = load_tokenizer(tokenizer_path).encode("\n".join(texts[:20])).ids
        train_briefly(model, ids, train_steps)

    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    bundle = ModelBundle(config, state, tokenizer_path, "tiny", out_dir)
    hf_folder = export_hf(bundle, out_dir / "hf").folder
    result = export_gguf(bundle, out_dir / f"tiny-{dtype}.gguf", dtype=dtype)
    return TinyModel(result.files[0], hf_folder, tokenizer_path, config)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> TinyModel:
    """A tiny briefly trained model, built once per test session, with an f32 GGUF."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))
