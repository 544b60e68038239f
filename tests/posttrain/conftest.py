"""Fixtures for the post-training tests: generated chat data and a tokenizer trained on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.tiny_gguf import tiny_model  # noqa: F401


@pytest.fixture(autouse=True)
def one_thread() -> None:
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def synth_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten tasks of every family, in both modes, with a fixed seed."""
    from localmodel.data.synthetic.generate import GENERATORS, SynthConfig, generate

    out = tmp_path_factory.mktemp("synth") / "data"
    generate(out, SynthConfig(counts={name: 10 for name in GENERATORS}, heldout_fraction=0.2, seed=3))
    return out


@pytest.fixture(scope="session")
def chat_tokenizer(synth_data: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from localmodel.tokenizer.train import load_tokenizer, train_tokenizer

    lines = (synth_data / "traces.jsonl").read_text(encoding="utf-8").splitlines()
    path = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    train_tokenizer([json.loads(line)["text"] for line in lines], 512, path)
    return load_tokenizer(path)
