"""Train a byte-level BPE tokenizer that llama.cpp's ``llama-bpe`` pre-tokenizer reproduces.

The pipeline is the Llama-3 one: the Llama-3 split regex (isolated matches), then ByteLevel
without its own regex, BPE with ``ignore_merges``, no normalizer, and a BOS token prepended
by the post-processor. llama.cpp (checked at commit 0c1e57098) tokenizes such a vocabulary
identically when the GGUF sets ``tokenizer.ggml.pre = "llama-bpe"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from specify.errors import ConfigError

LLAMA3_SPLIT_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
    r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

BOS_TOKEN = "<|begin_of_text|>"
EOS_TOKEN = "<|end_of_text|>"
PAD_TOKEN = "<|pad|>"
# Reserved in this order, so their ids are 0..12 in every tokenizer we train. The chat
# template uses the ChatML, think and tool tokens.
SPECIAL_TOKENS = (
    BOS_TOKEN, EOS_TOKEN, "<|im_start|>", "<|im_end|>", PAD_TOKEN,
    "<think>", "</think>", "<tool_call>", "</tool_call>",
    "<tool_response>", "</tool_response>", "<tools>", "</tools>",
)
MIN_VOCAB = 256 + len(SPECIAL_TOKENS)  # every byte plus the specials


def build_trainer_pair(vocab_size: int):  # noqa: ANN201 - (Tokenizer, BpeTrainer)
    """Return an untrained tokenizer with the Llama-3 pipeline and its BPE trainer."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    if vocab_size < MIN_VOCAB:
        raise ConfigError(f"Vocabulary size {vocab_size} is too small.",
                          f"Use at least {MIN_VOCAB}: 256 bytes plus "
                          f"{len(SPECIAL_TOKENS)} special tokens.")
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_SPLIT_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    return tok, trainer


def train_tokenizer(texts: Iterable[str], vocab_size: int, out: Path) -> Path:
    """Train on ``texts`` and write ``tokenizer.json`` atomically to ``out`` (a file path)."""
    from tokenizers import processors

    from specify.fsutil import atomic_write_text

    tok, trainer = build_trainer_pair(vocab_size)
    tok.train_from_iterator(_non_empty(texts), trainer=trainer)
    bos_id = tok.token_to_id(BOS_TOKEN)
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS_TOKEN} $A", pair=f"{BOS_TOKEN} $A {BOS_TOKEN} $B",
        special_tokens=[(BOS_TOKEN, bos_id)],
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, tok.to_str(pretty=False))
    return out


def load_tokenizer(path: Path):  # noqa: ANN201 - tokenizers.Tokenizer
    from tokenizers import Tokenizer

    if not path.is_file():
        raise ConfigError(f"Tokenizer file {path} does not exist.",
                          "Train one with: specify model tokenizer train --out DIR")
    return Tokenizer.from_file(str(path))


def _non_empty(texts: Iterable[str]) -> Iterator[str]:
    for text in texts:
        if text.strip():
            yield text
