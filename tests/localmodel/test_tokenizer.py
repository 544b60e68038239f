"""Byte-level BPE training and the compression report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("tokenizers")

from localmodel.data.corpus import Document  # noqa: E402
from localmodel.tokenizer.report import byte_decoder, format_report, tokenizer_report  # noqa: E402
from localmodel.tokenizer.train import (  # noqa: E402
    LLAMA3_SPLIT_REGEX,
    SPECIAL_TOKENS,
    load_tokenizer,
    train_tokenizer,
)
from specify.errors import ConfigError  # noqa: E402

STDLIB = Path(os.path.dirname(os.__file__))
GERMAN = ("Die Donaudampfschifffahrtsgesellschaft veröffentlichte ihre Jahresberichte über "
          "Kapitänsmützen und Geschwindigkeitsbegrenzungen. ") * 4


@pytest.fixture(scope="module")
def tokenizer_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    texts = [p.read_text(encoding="utf-8") for p in sorted((STDLIB / "json").glob("*.py"))]
    out = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    return train_tokenizer(texts, 400, out)


def test_specials_have_fixed_ids(tokenizer_file: Path) -> None:
    tok = load_tokenizer(tokenizer_file)
    assert [tok.token_to_id(t) for t in SPECIAL_TOKENS] == list(range(len(SPECIAL_TOKENS)))


def test_encode_prepends_bos(tokenizer_file: Path) -> None:
    ids = load_tokenizer(tokenizer_file).encode("import json").ids
    assert ids[0] == 0


def test_round_trip_any_unicode(tokenizer_file: Path) -> None:
    tok = load_tokenizer(tokenizer_file)
    text = "def f(x):\n    return 'π ≈ 3.14' + \"日本語\" + '🙂'\n"
    assert tok.decode(tok.encode(text).ids) == text


def test_chat_tokens_stay_whole(tokenizer_file: Path) -> None:
    tok = load_tokenizer(tokenizer_file)
    ids = tok.encode("<|im_start|>user\nhi<|im_end|>", add_special_tokens=False).ids
    assert ids[0] == tok.token_to_id("<|im_start|>")
    assert ids[-1] == tok.token_to_id("<|im_end|>")


def test_pipeline_is_llama_bpe(tokenizer_file: Path) -> None:
    """llama.cpp's llama-bpe pre-tokenizer reproduces exactly this pipeline."""
    data = json.loads(tokenizer_file.read_text())
    split, byte_level = data["pre_tokenizer"]["pretokenizers"]
    assert data["normalizer"] is None
    assert data["model"]["ignore_merges"] is True
    assert split["pattern"]["Regex"] == LLAMA3_SPLIT_REGEX
    assert split["behavior"] == "Isolated"
    assert byte_level["use_regex"] is False


def test_vocab_below_bytes_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="too small"):
        train_tokenizer(["abc"], 100, tmp_path / "t.json")


def test_byte_decoder_covers_all_bytes() -> None:
    assert sorted(byte_decoder().values()) == list(range(256))


def test_report_separates_languages(tokenizer_file: Path) -> None:
    tok = load_tokenizer(tokenizer_file)
    code = (STDLIB / "json" / "encoder.py").read_text(encoding="utf-8")
    docs = [Document(code, "stdlib", "python"), Document(GERMAN, "prose", "de")]
    report = tokenizer_report(tok, docs)
    python, german = report["by_lang"]["python"], report["by_lang"]["de"]
    assert python["bytes_per_token"] > german["bytes_per_token"]
    assert german["fertility"] > 2.0
    assert german["continued_word_share"] > python["continued_word_share"]
    assert set(report["by_source"]) == {"stdlib", "prose"}
    assert "lang:de" in format_report(report)
